import type { VipdConfig } from '../config/types';
import type { ControlHandler } from '../control/server';
import { tryParseDuration } from '../config/duration';
import { VipdError, asVipdError } from '../errors';
import type { VipOwner } from '../owner/types';
import type { Daemon } from '../runtime/daemon';
import type { MaintenanceStore } from '../state/maintenance-store';
import { processClock } from '../util/clock';

const SWITCHOVER_POLL_MS = 20;
/** A switchover waits at most this long (the CLI's timer adds 5 s and must stay far below 2^31 ms). */
export const SWITCHOVER_TIMEOUT_MAX_MS = 600_000;

interface SwitchoverParams {
  group?: string | null;
  to?: string | null;
  timeoutMs?: number;
  force?: boolean;
}

/**
 * The daemon's side of the CLI. Switchover waits here, inside the daemon,
 * because only the daemon sees the peers' adverts and the cloud's view.
 */
/** vipd's duration syntax (config/duration.ts: "30000", "30s", "2m"); null unless 1 ms-10 min. */
export function parseSwitchoverTimeout(text: string): number | null {
  const parsed = tryParseDuration(text);
  return parsed.ok && parsed.ms >= 1 && parsed.ms <= SWITCHOVER_TIMEOUT_MAX_MS ? parsed.ms : null;
}

export interface ControlHandlerDeps {
  readonly daemon: Daemon;
  readonly owner: VipOwner;
  readonly config: () => VipdConfig;
  readonly maintenanceStore: MaintenanceStore;
  readonly wallNow: () => Date;
}

export function controlHandlers(deps: ControlHandlerDeps): Record<string, ControlHandler> {
  const { daemon } = deps;
  // One maintenance change at a time: an "off" racing an "on" must not leave the file and the daemon disagreeing.
  let maintenanceChain: Promise<unknown> = Promise.resolve();
  return {
    status: async () => daemon.status(),
    maintenance: async (params) => {
      const on = (params as { on?: unknown } | null)?.on;
      if (typeof on !== 'boolean') throw new VipdError('VIPD_E_CONTROL', 'maintenance needs {"on": true|false}');
      const run = maintenanceChain.then(() => (on ? maintenanceOn(deps) : maintenanceOff(deps)));
      maintenanceChain = run.catch(() => undefined);
      return run;
    },
    'maintenance-status': async () => {
      const saved = await deps.maintenanceStore.load();
      return { maintenance: daemon.status().maintenance, saved: saved === null ? null : { since: saved.since }, savedIn: deps.maintenanceStore.location };
    },
    switchover: async (params) => switchover(deps, (params ?? {}) as SwitchoverParams),
  };
}

/** On is applied first (the operator wants the VIP gone now), then saved; a failed save is reported, not hidden. */
async function maintenanceOn(deps: ControlHandlerDeps): Promise<{ maintenance: boolean; savedIn: string }> {
  deps.daemon.setMaintenance(true);
  try {
    await deps.maintenanceStore.save({ since: deps.wallNow().toISOString() });
  } catch (e) {
    const err = asVipdError(e, 'VIPD_E_STATE_FILE');
    throw new VipdError(
      'VIPD_E_STATE_FILE',
      `maintenance is ON in the running daemon, but it was not saved and will be lost at the next restart: ${err.message}`,
      { cause: err, details: err.details },
    );
  }
  return { maintenance: true, savedIn: deps.maintenanceStore.location };
}

/** Off is saved first: if the file cannot be removed, the daemon stays in maintenance, matching what the next start would do. */
async function maintenanceOff(deps: ControlHandlerDeps): Promise<{ maintenance: boolean; savedIn: string }> {
  try {
    await deps.maintenanceStore.clear();
  } catch (e) {
    const err = asVipdError(e, 'VIPD_E_STATE_FILE');
    throw new VipdError(
      'VIPD_E_STATE_FILE',
      `maintenance stays ON: the saved state could not be removed, so the next start would be in maintenance again: ${err.message}`,
      { cause: err, details: err.details },
    );
  }
  deps.daemon.setMaintenance(false);
  return { maintenance: false, savedIn: deps.maintenanceStore.location };
}

async function switchover(deps: ControlHandlerDeps, params: SwitchoverParams): Promise<unknown> {
  const { daemon } = deps;
  const config = deps.config();
  const groupName = params.group ?? null;
  const target = params.to ?? null;
  const timeoutMs = params.timeoutMs ?? 30_000;
  // Checked before anything resigns: a string or NaN here made the wait below endless.
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > SWITCHOVER_TIMEOUT_MAX_MS) {
    throw new VipdError('VIPD_E_CONTROL', `switchover timeoutMs must be an integer of 1-${SWITCHOVER_TIMEOUT_MAX_MS} ms, got ${JSON.stringify(timeoutMs)}`);
  }
  const groups = config.groups.filter((g) => groupName === null || g.name === groupName);
  if (groups.length === 0) throw new VipdError('VIPD_E_CONTROL', `no group named ${groupName}`);
  if (target !== null) {
    for (const g of groups) {
      if (!g.peers.some((p) => p.id === target)) throw new VipdError('VIPD_E_CONTROL', `${target} is not a peer of group ${g.name}`);
    }
  }
  if (params.force !== undefined && typeof params.force !== 'boolean')
    throw new VipdError('VIPD_E_CONTROL', `switchover force must be true or false, got ${JSON.stringify(params.force)}`);
  const started = processClock.nowMs();
  const resigned = daemon.switchover(groupName, { to: target, force: params.force === true });
  if (resigned.length === 0) {
    throw new VipdError('VIPD_E_CONTROL', `this node is not MASTER of ${groupName ?? 'any group'}: nothing to hand over`);
  }
  const results: Array<{ group: string; newMaster: string; handoverMs: number; cloudConfirmed: boolean | null }> = [];
  for (const name of resigned) {
    const group = config.groups.find((g) => g.name === name);
    if (!group) continue;
    for (;;) {
      const elapsed = processClock.nowMs() - started;
      if (elapsed > timeoutMs) throw new VipdError('VIPD_E_CONTROL', `no peer took over ${name} within ${timeoutMs} ms`);
      const gs = daemon.status().groups.find((g) => g.name === name);
      const master = gs?.election.master ?? null;
      if (master !== null && master !== config.node.id) {
        if (target !== null && master !== target) {
          throw new VipdError(
            'VIPD_E_CONTROL',
            `${master} took over ${name}, not ${target}: ${target} must have the highest priority among the remaining nodes`,
          );
        }
        const cloudConfirmed = await cloudShowsOther(deps.owner, group);
        if (cloudConfirmed !== false) {
          results.push({ group: name, newMaster: master, handoverMs: Math.round(processClock.nowMs() - started), cloudConfirmed });
          break;
        }
      }
      await new Promise((r) => setTimeout(r, SWITCHOVER_POLL_MS));
    }
  }
  return { results };
}

/** null when the cloud has no say (provider none); true once no VIP is on our NIC any more. */
async function cloudShowsOther(owner: VipOwner, group: VipdConfig['groups'][number]): Promise<boolean | null> {
  const report = await owner.verify(group);
  const clouds = report.vips.map((v) => v.cloud);
  if (clouds.every((c) => c === null)) return null;
  return clouds.every((c) => c !== null && c.kind === 'other');
}
