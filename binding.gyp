{
  'targets': [
    {
      # In-process gratuitous ARP (native/garp.c); loaded by src/os/garp.ts.
      'target_name': 'vipd_garp',
      'sources': ['native/garp.c'],
      'cflags': ['-Wall', '-Wextra', '-Werror', '-O2'],
    },
  ],
}
