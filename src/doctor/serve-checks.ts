import { checkHostFiles } from '../config/host-files';
import { switchoverSuccessor } from '../election/successor';
import { masterDownMs } from '../election/timing';
import { asVipdError } from '../errors';
import type { CheckResult, DoctorContext } from './types';

/**
 * Can this node serve? The checks an operator needs when `vipd status` says
 * FAULT (docs/operations.md sends them here): the group's role, each
 * tracker, whether a peer could take over, and what vipd must be able to
 * load or run at a transition (the notify transport, hook and tracker
 * programs, the state directory).
 */
export function checkServing(ctx: Pick<DoctorContext, 'config' | 'daemon'>): CheckResult[] {
  const d = ctx.daemon;
  if (!d) return [];
  const now = d.startedAtMonotonicMs + d.uptimeMs;
  const out: CheckResult[] = [];
  for (const g of d.groups) {
    const cfg = ctx.config.groups.find((c) => c.name === g.name);
    const down = g.trackers.filter((t) => !t.up);
    if (g.election.role === 'FAULT') {
      const causes = [
        ...down.filter((t) => t.weight === 0).map((t) => `tracker ${t.name} is down${t.lastError ? ` (${t.lastError})` : ''}`),
        ...(g.ownership.lastError ? [`the last VIP operation failed: ${String(g.ownership.lastError.code)}: ${String(g.ownership.lastError.message)}`] : []),
      ];
      out.push({
        check: 'serving',
        group: g.name,
        status: 'fail',
        detail: `FAULT: this node cannot hold the VIPs${causes.length ? `: ${causes.join('; ')}` : ''}`,
        fix: "fix the failing tracker's service, or the cloud/OS error (docs/errors.md for its code); the node competes again on its own once the cause clears",
      });
    } else {
      out.push({ check: 'serving', group: g.name, status: 'pass', detail: `${g.election.role}${g.election.maintenance ? ' (maintenance)' : ''}`, fix: null });
    }
    for (const t of g.trackers) {
      out.push(
        t.up
          ? { check: `tracker ${t.name}`, group: g.name, status: 'pass', detail: `up (${t.type})`, fix: null }
          : {
              check: `tracker ${t.name}`,
              group: g.name,
              status: 'fail',
              detail: `${t.lastCheckAt === null || t.lastCheckAt === undefined ? 'DOWN (not probed yet: down until proven up)' : 'DOWN'} (${t.type}, weight ${t.weight}${t.weight === 0 ? ': FAULT while down' : ''})${t.lastError ? `: ${t.lastError}` : ''}`,
              fix: 'make the tracked service healthy; the tracker rises after `rise` successes',
            },
      );
    }
    if (cfg !== undefined) {
      const window = masterDownMs(g.election.effectivePriority, cfg.intervalMs, cfg.deadAfter);
      const v = switchoverSuccessor({ peers: g.election.peers, now, liveWindowMs: window, to: null });
      out.push(
        v.ok
          ? { check: 'peer able to take over', group: g.name, status: 'pass', detail: `${v.successor} (priority ${v.priority})`, fix: null }
          : {
              check: 'peer able to take over',
              group: g.name,
              status: 'warn',
              detail: `${v.reason}: if this node fails, the group has no master (and vipd switchover refuses)`,
              fix: 'start vipd on the peer and check its `vipd status`/`vipd doctor`; heartbeats need UDP heartbeat.port both ways',
            },
      );
    }
  }
  return out;
}

/** The sd_notify transport the unit (Type=notify) needs: a start under systemd fails without it. */
export function checkNotifyTransport(ctx: Pick<DoctorContext, 'loadNotify'>): CheckResult {
  try {
    ctx.loadNotify();
    return { check: 'notify transport', group: null, status: 'pass', detail: 'the systemd notify transport loads', fix: null };
  } catch (e) {
    return {
      check: 'notify transport',
      group: null,
      status: 'fail',
      detail: `${asVipdError(e).message}: under systemd (Type=notify) vipd cannot start`,
      fix: 'reinstall vipd for this Node version (npm ci / npm rebuild in the install directory)',
    };
  }
}

/** Hook and tracker programs and node.stateDir, with the same rules as check-config and run. */
export function checkProgramFiles(ctx: Pick<DoctorContext, 'config' | 'hostFiles'>): CheckResult[] {
  const groups = ctx.config.groups.map((group, index) => ({ index, group }));
  const problems = checkHostFiles(ctx.config, new Set(), groups, ctx.hostFiles);
  if (problems.length === 0) {
    return [
      {
        check: 'programs and state directory',
        group: null,
        status: 'pass',
        detail: 'hook and tracker programs are executable; node.stateDir exists',
        fix: null,
      },
    ];
  }
  return problems.map((p) => ({
    check: `file ${p.key}`,
    group: null,
    status: 'fail',
    detail: p.message,
    fix:
      p.key === 'node.stateDir'
        ? `mkdir -p ${ctx.config.node.stateDir} && chown vipd ${ctx.config.node.stateDir}`
        : 'install the program or fix the path in the config, and chmod +x it',
  }));
}
