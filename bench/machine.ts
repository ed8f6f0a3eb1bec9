import { cpus, loadavg, release } from 'node:os';
import type { MachineInfo } from './report';

/** "model name" of the first CPU in /proc/cpuinfo, or null. */
export function cpuModel(cpuinfo: string): string | null {
  const m = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
  return m?.[1]?.trim() ?? null;
}

export function machineInfo(cpuinfo: string, loadBefore: readonly number[]): MachineInfo {
  return { kernel: release(), nproc: cpus().length, cpu: cpuModel(cpuinfo) ?? 'unknown CPU', loadBefore, loadAfter: loadavg() };
}
