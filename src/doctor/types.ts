import type { CallScope } from '../cloud/call-context';
import type { CloudProvider } from '../cloud/provider';
import type { HostFiles } from '../config/host-files';
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
  /** null when os.enabled is false. The doctor only reads the host's view. */
  readonly os: Pick<OsConfigurator, 'observe'> | null;
  /** null: no cloud (provider none, plain L2). */
  readonly provider: CloudProvider | null;
  /** A bounded context for one cloud read (its deadline aborts a hung call); dispose it after. */
  readonly cloudScope: () => CallScope;
  /** Loads the in-process ARP sender (os.arp.sender: native); throws a VipdError when it is not built. */
  readonly loadGarp: () => unknown;
  /** Loads the systemd notify transport (a native addon); throws a VipdError when it cannot. */
  readonly loadNotify: () => unknown;
  /** Where hook and tracker programs and node.stateDir are looked up. */
  readonly hostFiles: HostFiles;
  /** Read only: the doctor reports the saved maintenance state, it never changes it. */
  readonly maintenance: Pick<MaintenanceStore, 'location' | 'load'>;
  /** The running daemon's status, or null when it is not running. */
  readonly daemon: DaemonStatus | null;
  /** Probes a peer's UDP port for a refusal (refusal-checks.ts); the check is skipped without it. */
  readonly probeRefusal?: RefusalProbe;
}
