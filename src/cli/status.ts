import { ControlClient } from '../control/client';
import { asVipdError } from '../errors';
import type { DaemonStatus } from '../runtime/daemon';
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

export function renderStatus(s: DaemonStatus): string {
  const lines: string[] = [];
  lines.push(`node ${s.nodeId}  provider ${s.provider}  uptime ${Math.round(s.uptimeMs / 1000)}s${s.maintenance ? '  MAINTENANCE' : ''}`);
  if (s.lastStall) lines.push(`last stall: ${Math.round(s.lastStall.stalledMs)} ms`);
  for (const g of s.groups) {
    const e = g.election;
    lines.push('');
    lines.push(`group ${g.name} (id ${g.id}): ${e.role}  priority ${e.effectivePriority} (base ${e.basePriority})  master ${e.master ?? '-'}${g.splitBrainSuspected ? '  SPLIT BRAIN SUSPECTED' : ''}`);
    for (const p of e.peers) {
      const seen = p.lastHeardAt === null ? 'never' : `${Math.round(s.startedAtMonotonicMs + s.uptimeMs - p.lastHeardAt)} ms ago`;
      lines.push(`  peer ${p.id}: ${p.role ?? '?'} priority ${p.priority ?? '?'} last seen ${seen}`);
    }
    const views = new Map((g.lastVerify?.vips ?? []).map((v) => [v.address, v]));
    for (const vip of g.vips) {
      const v = views.get(vip);
      const os = !v ? 'not checked' : v.os === null ? 'not managed' : v.os.onInterface ? `on interface /${v.os.prefix ?? '?'}${v.os.addressOk ? '' : ` (expected /${v.os.expectedPrefix ?? '?'})`}${v.os.ruleOk === false || v.os.tableOk === false ? ', policy routing MISSING' : ''}` : 'NOT on interface';
      const cloud = !v || v.cloud === null ? '-' : v.cloud.kind === 'other' ? `held by ${v.cloud.nodeId ?? v.cloud.instanceId}` : v.cloud.kind;
      lines.push(`  vip ${vip}: os ${os}; cloud ${cloud}`);
    }
    lines.push(`  ownership: wanted ${g.ownership.wanted}, applied ${g.ownership.applied}${g.ownership.lastError ? `, last error ${String(g.ownership.lastError.code)}: ${String(g.ownership.lastError.message)}` : ''}`);
    const f = g.lastFailover;
    if (f) {
      lines.push(`  last failover (${f.reason}): detection ${fmt(f.detectionMs)}, cloud ${fmt(f.cloudMs)}, os ${fmt(f.osMs)}, total ${fmt(f.totalMs)}`);
    }
    for (const t of g.trackers) {
      const state = t.up ? 'up' : t.lastCheckAt === null ? 'DOWN (not probed yet: down until proven up)' : 'DOWN';
      lines.push(`  tracker ${t.name} (${t.type}): ${state} weight ${t.weight}${t.lastError ? ` (${t.lastError})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function fmt(ms: number | null): string {
  return ms === null ? '-' : `${Math.round(ms)} ms`;
}
