{
  'targets': [
    {
      # In-process gratuitous ARP (native/garp.c); loaded by src/os/garp.ts.
      'target_name': 'vipd_garp',
      'sources': ['native/garp.c'],
      'cflags': ['-Wall', '-Wextra', '-Werror', '-O2'],
    },
    {
      # sd_notify datagrams (native/notify.c); loaded by src/systemd/notify-transport.ts.
      'target_name': 'vipd_notify',
      'sources': ['native/notify.c'],
      'cflags': ['-Wall', '-Wextra', '-Werror', '-O2'],
    },
  ],
}
