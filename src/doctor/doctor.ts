import { checkHeartbeats, checkMaintenance, checkStalls, checkTools } from './host-checks';
import { checkNotifyTransport, checkProgramFiles, checkServing } from './serve-checks';
import { checkPeerRefusals } from './refusal-checks';
import type { CheckResult, DoctorContext } from './types';
import { checkGroup } from './vip-checks';

/** The debugging checklist from docs/operations.md, as code: each check says pass/fail and the fix. */
export async function runDoctor(ctx: DoctorContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push({
    check: 'daemon',
    group: null,
    status: ctx.daemon ? 'pass' : 'warn',
    detail: ctx.daemon
      ? `running, node ${ctx.daemon.nodeId}, up ${Math.round(ctx.daemon.uptimeMs / 1000)} s${ctx.daemon.maintenance ? ', MAINTENANCE on' : ''}`
      : 'not running (control socket unreachable): checking the host only',
    fix: ctx.daemon ? null : 'systemctl start vipd; journalctl -u vipd',
  });
  results.push(await checkMaintenance(ctx));
  results.push(...(await checkTools(ctx)));
  results.push(checkNotifyTransport(ctx));
  results.push(...checkProgramFiles(ctx));
  results.push(...checkServing(ctx));
  for (const g of ctx.config.groups) results.push(...(await checkGroup(ctx, g)));
  results.push(...checkHeartbeats(ctx));
  if (ctx.probeRefusal) results.push(...(await checkPeerRefusals(ctx, ctx.probeRefusal)));
  results.push(...checkStalls(ctx));
  return results;
}

export function doctorFailed(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === 'fail');
}

export function renderDoctor(results: readonly CheckResult[]): string {
  const mark = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' } as const;
  const lines = results.map((r) => {
    const head = `[${mark[r.status]}] ${r.group ? `${r.group}: ` : ''}${r.check}: ${r.detail}`;
    return r.fix && r.status !== 'pass' ? `${head}\n       fix: ${r.fix}` : head;
  });
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  const warnings = warned === 0 ? '' : `, ${warned} warning(s)`;
  lines.push('', failed === 0 ? `no check failed${warnings}` : `${failed} check(s) failed${warnings}`);
  return `${lines.join('\n')}\n`;
}
