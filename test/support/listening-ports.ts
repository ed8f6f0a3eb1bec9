import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The TCP ports a process listens on, from the kernel's own tables: the
 * socket inodes among /proc/PID/fd, matched against the LISTEN rows (state
 * 0A) of /proc/PID/net/tcp and tcp6 (the process's network namespace).
 * Needs no tool and sees what `ss -ltnp` would.
 */
export function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between readdir and readlink
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m?.[1] !== undefined) inodes.add(m[1]);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [, local, , state] = cols;
      const inode = cols[9];
      if (state !== '0A' || local === undefined || inode === undefined || !inodes.has(inode)) continue;
      ports.push(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return ports.sort((a, b) => a - b);
}
