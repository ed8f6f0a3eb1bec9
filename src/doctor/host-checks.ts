import { asVipdError } from '../errors';
import type { CheckResult, DoctorContext } from './types';

/** ip, the ARP sender (addon or arping) and ndisc6 for IPv6 VIPs must be there: acquire would fail at the worst moment. */
export async function checkTools(ctx: Pick<DoctorContext, 'config' | 'runner' | 'loadGarp'>): Promise<CheckResult[]> {
  if (!ctx.config.os.enabled) return [result('tools', 'skip', 'os.enabled is false: vipd runs no ip/arping', null)];
  const tools: Array<{ file: string; args: string[]; pkg: string }> = [{ file: 'ip', args: ['-V'], pkg: 'iproute2' }];
  if (ctx.config.os.arp.sender === 'arping') tools.push({ file: 'arping', args: ['-V'], pkg: 'iputils-arping' });
  if (ctx.config.groups.some((g) => g.vips.some((v) => v.address.includes(':')))) tools.push({ file: 'ndisc6', args: ['-V'], pkg: 'ndisc6' });
  const out: CheckResult[] = [];
  if (ctx.config.os.arp.sender === 'native') {
    try {
      ctx.loadGarp();
      out.push(result('arp sender', 'pass', 'the in-process ARP sender (os.arp.sender: native) loads', null));
    } catch (e) {
      out.push(result('arp sender', 'fail', asVipdError(e).message, 'npm run build:native in the install directory, or set os.arp.sender: arping'));
    }
  }
  for (const t of tools) {
    try {
      await ctx.runner.run(t.file, t.args, { timeoutMs: 5000 });
      out.push(result(`tool ${t.file}`, 'pass', `${t.file} is installed`, null));
    } catch (e) {
      out.push(result(`tool ${t.file}`, 'fail', asVipdError(e).message, `apt-get install ${t.pkg}`));
    }
  }
  return out;
}

/** Peers' adverts arriving recently proves the heartbeat port is open both ways and the keys match. */
export function checkHeartbeats(ctx: DoctorContext): CheckResult[] {
  const d = ctx.daemon;
  if (!d) return [result('heartbeats', 'skip', 'the daemon is not running: no adverts to inspect', 'systemctl start vipd')];
  const now = d.startedAtMonotonicMs + d.uptimeMs;
  const out: CheckResult[] = [];
  for (const g of d.groups) {
    const cfg = ctx.config.groups.find((c) => c.name === g.name);
    const limit = 3 * (cfg?.intervalMs ?? 1000);
    for (const p of g.election.peers) {
      const age = p.lastHeardAt === null ? null : now - p.lastHeardAt;
      if (age !== null && age <= limit) {
        out.push({ check: `heartbeat from ${p.id}`, group: g.name, status: 'pass', detail: `last advert ${Math.round(age)} ms ago`, fix: null });
      } else {
        const port = ctx.config.heartbeat.port;
        out.push({
          check: `heartbeat from ${p.id}`,
          group: g.name,
          status: 'fail',
          detail: age === null ? `never heard from ${p.id} since this daemon started` : `no advert from ${p.id} for ${Math.round(age)} ms`,
          fix: `check that UDP ${port} is allowed from ${p.id} (security group / firewall), that vipd runs there, and that both nodes use the same heartbeat key ("heartbeat rejected" bad-tag in the logs means different keys)`,
        });
      }
    }
  }
  return out;
}

/** A stall (VM pause, SIGSTOP, long GC) longer than the down interval lets the peer take over. */
export function checkStalls(ctx: DoctorContext): CheckResult[] {
  const d = ctx.daemon;
  if (!d) return [result('event-loop stalls', 'skip', 'the daemon is not running', null)];
  if (!d.lastStall) return [result('event-loop stalls', 'pass', `no stall since start (lag now ${d.eventLoopLagMs.toFixed(1)} ms)`, null)];
  const ago = Math.round((d.startedAtMonotonicMs + d.uptimeMs - d.lastStall.atMs) / 1000);
  return [
    result(
      'event-loop stalls',
      'warn',
      `last stall of ${Math.round(d.lastStall.stalledMs)} ms, ${ago} s ago`,
      'look for VM pauses/steal time, CPU throttling (cgroup limits) or swapping on this host at that time',
    ),
  ];
}

/** Saved vs running maintenance: they disagree only after a failed save, a hand edit, or while the daemon is down. */
export async function checkMaintenance(ctx: Pick<DoctorContext, 'maintenance' | 'daemon'>): Promise<CheckResult> {
  const where = ctx.maintenance.location;
  let saved: Awaited<ReturnType<DoctorContext['maintenance']['load']>>;
  try {
    saved = await ctx.maintenance.load();
  } catch (e) {
    return result(
      'maintenance',
      'fail',
      `${asVipdError(e).message}; vipd will not start until it can read it`,
      `fix the owner/mode of ${where} (the unit runs as user vipd), or remove it to end maintenance`,
    );
  }
  const running = ctx.daemon?.maintenance ?? null;
  const since = saved?.since ? ` since ${saved.since}` : '';
  if (saved === null && running !== true) return result('maintenance', 'pass', `off (nothing saved in ${where})`, null);
  if (saved === null) {
    return result(
      'maintenance',
      'warn',
      `on in the running daemon but not saved in ${where}: a restart ends it`,
      `make ${where}'s directory writable by vipd, then vipd maintenance on again`,
    );
  }
  if (running === true)
    return result('maintenance', 'warn', `ON${since} (saved in ${where}): this node takes no VIP`, 'vipd maintenance off when the work is done');
  if (running === false) {
    return result(
      'maintenance',
      'warn',
      `saved as ON${since} in ${where}, but the running daemon is not in maintenance: the next start will be`,
      `vipd maintenance on (to match), or remove ${where}`,
    );
  }
  return result('maintenance', 'warn', `ON${since} (saved in ${where}): the next start takes no VIP`, 'vipd maintenance off once the daemon runs again');
}

function result(check: string, status: CheckResult['status'], detail: string, fix: string | null): CheckResult {
  return { check, group: null, status, detail, fix };
}
