import { ControlClient } from '../control/client';
import type { NotMaster } from '../election/types';
import { asVipdError } from '../errors';
import type { DaemonStatus } from '../runtime/daemon';
import type { GroupStatus, PeerStatus } from '../runtime/group-runner';
import { EXIT_OK, EXIT_UNAVAILABLE } from '../util/exit-codes';

export async function statusCommand(socket: string, json: boolean): Promise<number> {
  let status: DaemonStatus;
  try {
    status = (await new ControlClient(socket).call('status', {}, 5000)) as DaemonStatus;
  } catch (e) {
    process.stderr.write(`vipd status: ${asVipdError(e, 'VIPD_E_CONTROL').message}\n`);
    return EXIT_UNAVAILABLE;
  }
  process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
  return EXIT_OK;
}

/** 850 ms, 12.3 s, 5.2 min, 3.1 h, 2.0 d: the unit an operator reads at a glance. */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** ISO 8601 to the second, UTC: 2026-12-07T04:10:05Z. */
function wall(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '?';
}

export function renderStatus(s: DaemonStatus): string {
  const lines: string[] = [];
  const monoNow = s.startedAtMonotonicMs + s.uptimeMs;
  lines.push(`node ${s.nodeId}  provider ${s.provider}  up ${humanDuration(s.uptimeMs)} (since ${wall(s.startedAt)})  now ${wall(s.now)}`);
  if (s.maintenance) lines.push('MAINTENANCE ON: this node takes no VIP (`vipd maintenance off` to end it)');
  if (s.lastStall)
    lines.push(`last stall: ${humanDuration(s.lastStall.stalledMs)} at ${wall(s.lastStall.at)} (${humanDuration(monoNow - s.lastStall.atMs)} ago)`);
  for (const g of s.groups) renderGroup(g, monoNow, Date.parse(s.now), lines);
  return `${lines.join('\n')}\n`;
}

function renderGroup(g: GroupStatus, monoNow: number, wallNow: number, lines: string[]): void {
  const e = g.election;
  // Both wall times come from one snapshot's monotonic clock, so their difference is the role's true age.
  const since = g.roleSince ? ` since ${wall(g.roleSince)} (${humanDuration(wallNow - Date.parse(g.roleSince))})` : '';
  lines.push('');
  lines.push(
    `group ${g.name} (id ${g.id}): ${e.role}${since}  priority ${e.effectivePriority} (base ${e.basePriority})  master ${e.master ?? 'none'}${g.splitBrainSuspected ? '  SPLIT BRAIN SUSPECTED' : ''}`,
  );
  const st = g.settings;
  if (st)
    lines.push(
      `  interface ${st.interface}, adverts every ${humanDuration(st.intervalMs)}, preempt ${st.preempt ? `on (delay ${humanDuration(st.preemptDelayMs)})` : 'off (nopreempt)'}${e.maintenance ? ', maintenance on' : ''}`,
    );
  const t = g.lastTransition;
  if (t) lines.push(`  last transition: ${t.from} -> ${t.to} (${t.reason}${t.peer ? `, ${t.peer}` : ''}) at ${wall(t.at)}`);
  if (e.notMaster) lines.push(`  not master: ${notMasterText(e.notMaster, monoNow)}`);
  for (const p of e.peers) lines.push(`  ${peerLine(p)}`);
  const v = g.lastVerify;
  const views = new Map((v?.vips ?? []).map((x) => [x.address, x]));
  for (const vip of g.vips) {
    const x = views.get(vip);
    if (!v || !x) {
      lines.push(`  vip ${vip}: not checked yet in this role`);
      continue;
    }
    const os =
      x.os === null
        ? 'not managed'
        : x.os.onInterface
          ? `on interface /${x.os.prefix ?? '?'}${x.os.addressOk ? '' : ` (expected /${x.os.expectedPrefix ?? '?'})`}${x.os.ruleOk === false || x.os.tableOk === false ? ', policy routing MISSING' : ''}`
          : 'NOT on interface';
    const cloud = x.cloud === null ? '-' : x.cloud.kind === 'other' ? `held by ${x.cloud.nodeId ?? x.cloud.instanceId}` : x.cloud.kind;
    const view = `os ${os}; cloud ${cloud}`;
    // Anything but a fresh check is history: say when it was true, never present it as now.
    lines.push(
      v.fresh
        ? `  vip ${vip}: ${view} (checked ${humanDuration(v.ageMs)} ago)`
        : `  vip ${vip}: not checked since the last change; ${humanDuration(v.ageMs)} ago, as ${v.takenAs}: ${view}`,
    );
  }
  const refusal = e.refusal;
  if (refusal?.pending) {
    const r = refusal.pending;
    lines.push(
      `  refused probes: ${r.peer}'s host refused ${r.confirmed ? 'twice (confirmed: claiming once its next advert is overdue)' : 'once (probing again)'}`,
    );
  }
  for (const peer of refusal?.ignoredPeers ?? []) {
    lines.push(`  refused probes: ignored from ${peer} (its adverts arrive while its host refuses: a firewall REJECT?); the down timer applies`);
  }
  lines.push(
    `  ownership: wanted ${g.ownership.wanted}, applied ${g.ownership.applied}${g.ownership.lastError ? `, last error ${String(g.ownership.lastError.code)}: ${String(g.ownership.lastError.message)}` : ''}`,
  );
  const f = g.lastFailover;
  if (f) {
    lines.push(
      `  last failover at ${wall(f.atTime)} (${f.reason}${f.previousMaster ? ` from ${f.previousMaster}` : ''}): detection ${fmt(f.detectionMs)}, cloud ${fmt(f.cloudMs)}, os ${fmt(f.osMs)}, total ${fmt(f.totalMs)}`,
    );
  }
  for (const tr of g.trackers) {
    const state = tr.up ? 'up' : tr.lastCheckAt === null ? 'DOWN (not probed yet: down until proven up)' : 'DOWN';
    lines.push(`  tracker ${tr.name} (${tr.type}): ${state} weight ${tr.weight}${tr.lastError ? ` (${tr.lastError})` : ''}`);
  }
}

function peerLine(p: PeerStatus): string {
  if (p.lastHeardAt === null) return `peer ${p.id}: NEVER HEARD since this start`;
  const ago = humanDuration(p.silentForMs ?? 0);
  if (p.live === false) return `peer ${p.id}: DOWN, last heard ${ago} ago (${wall(p.lastHeard)}, then ${p.lastRole ?? '?'} priority ${p.priority ?? '?'})`;
  return `peer ${p.id}: ${p.role ?? '?'} priority ${p.priority ?? '?'}, last heard ${ago} ago`;
}

function notMasterText(n: NotMaster, monoNow: number): string {
  const peer = n.peer ?? '?';
  const inTime = n.untilAt === null ? '' : ` in ${humanDuration(Math.max(0, n.untilAt - monoNow))}`;
  switch (n.reason) {
    case 'outranked':
      return `${peer} outranks this node`;
    case 'held-after-switchover':
      return `held after a switchover: this node stays BACKUP while ${peer} is master (no preempt until ${peer} is lost)`;
    case 'nopreempt':
      return `preempt is off: ${peer} keeps the VIPs although this node ranks higher`;
    case 'preempt-delay':
      return `preempt delay: takes over from ${peer}${inTime}`;
    case 'maintenance':
      return 'maintenance is on';
    case 'cloud-outranked':
      return `the cloud showed ${peer} holding the VIPs: this node waits until ${peer} is heard or no longer holds them`;
    case 'fault':
      return 'FAULT: a weight-0 tracker is down or the VIPs could not be owned (trackers and ownership below)';
    case 'waiting':
      return `no live master heard: claims${inTime} unless one is heard`;
    case 'starting':
      return 'starting';
    case 'stopped':
      return 'stopped';
  }
}

function fmt(ms: number | null): string {
  return ms === null ? '-' : humanDuration(ms);
}
