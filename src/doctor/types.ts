import type { CloudProvider } from '../cloud/provider';
import type { VipdConfig } from '../config/types';
import type { OsConfigurator } from '../os/configurator';
import type { CommandRunner } from '../os/runner';
import type { DaemonStatus } from '../runtime/daemon';
import type { MaintenanceStore } from '../state/maintenance-store';
import type { RefusalProbe } from './refusal-checks';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  readonly check: string;
  readonly group: string | null;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about a fail or warn. */
  readonly fix: string | null;
}

export interface DoctorContext {
  readonly config: VipdConfig;
  readonly runner: CommandRunner;
  /** null when os.enabled is false. */
  readonly os: OsConfigurator | null;
  readonly provider: CloudProvider;
  /** Loads the in-process ARP sender (os.arp.sender: native); throws a VipdError when it is not built. */
  readonly loadGarp: () => unknown;
  /** Read only: the doctor reports the saved maintenance state, it never changes it. */
  readonly maintenance: Pick<MaintenanceStore, 'location' | 'load'>;
  /** The running daemon's status, or null when it is not running. */
  readonly daemon: DaemonStatus | null;
  /** Probes a peer's UDP port for a refusal (refusal-checks.ts); the check is skipped without it. */
  readonly probeRefusal?: RefusalProbe;
}
