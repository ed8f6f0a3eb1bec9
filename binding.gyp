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
    {
      # Free C-heap pages back to the kernel (native/memory.c); loaded by src/runtime/memory-release.ts.
      'target_name': 'vipd_memory',
      'sources': ['native/memory.c'],
      'cflags': ['-Wall', '-Wextra', '-Werror', '-O2'],
    },
  ],
}
