import type { GroupConfig } from '../config/types';
import { tableFor } from '../os/routing-numbers';
import { asVipdError } from '../errors';
import type { OsVipView } from '../os/view';
import type { CheckResult, DoctorContext } from './types';

/** Where no route is taken: documentation addresses (RFC 5737, RFC 3849); `ip route get` sends nothing. */
const PROBE_DESTINATION_V4 = '192.0.2.1';
const PROBE_DESTINATION_V6 = '2001:db8::1';

/**
 * Per group: should this node hold the VIPs? With a running daemon its role
 * says; without one, the VIP being on the interface says "we think so".
 */
export async function checkGroup(ctx: DoctorContext, group: GroupConfig): Promise<CheckResult[]> {
  const role = ctx.daemon?.groups.find((g) => g.name === group.name)?.election.role ?? null;
  const out: CheckResult[] = [];
  const push = (check: string, status: CheckResult['status'], detail: string, fix: string | null = null): void => {
    out.push({ check, group: group.name, status, detail, fix });
  };

  let views: readonly OsVipView[] | null = null;
  if (ctx.os) {
    try {
      views = (await ctx.os.observe(group)).vips;
    } catch (e) {
      push('OS state', 'fail', asVipdError(e).message, 'see the error code in docs/errors.md');
    }
  }
  const onHere = views?.some((v) => v.onInterface) ?? false;
  const holder = role === 'MASTER' || (role === null && onHere);
  if (role !== null) push('role', 'pass', `${role}${role === 'MASTER' ? ': the VIPs must be here' : ': the VIPs must not be here'}`);
  else push('role', 'warn', `daemon not running; judging by the interface (${onHere ? 'VIP present' : 'VIP absent'})`, 'systemctl start vipd');

  await cloudChecks(ctx, group, holder, push);
  if (views) {
    for (const [i, v] of views.entries()) await osChecks(ctx, group, i, v, holder, push);
  } else if (!ctx.os) {
    push('OS configuration', 'skip', 'os.enabled is false');
  }
  await serviceChecks(ctx, group, push);
  return out;
}

type Push = (check: string, status: CheckResult['status'], detail: string, fix?: string | null) => void;

async function cloudChecks(ctx: DoctorContext, group: GroupConfig, holder: boolean, push: Push): Promise<void> {
  const provider = ctx.provider;
  if (provider === null) {
    push('cloud assignment', 'skip', 'provider none: plain L2, no cloud record');
    return;
  }
  let holders;
  const read = ctx.cloudScope();
  try {
    holders = await provider.holders(
      group.vips.map((v) => ({ address: v.address })),
      read.ctx,
    );
  } catch (e) {
    push(
      'cloud assignment',
      'fail',
      `cannot read the cloud's view: ${asVipdError(e).message}`,
      'check instance metadata, credentials and the IAM policy in docs/clouds/',
    );
    return;
  } finally {
    read.dispose();
  }
  for (const v of group.vips) {
    const h = holders.get(v.address);
    const desc = !h ? 'unknown' : h.kind === 'other' ? `another instance (${h.instanceId})` : h.kind === 'me' ? 'this NIC' : 'nobody';
    // No answer for a VIP is not "elsewhere": it is a failed read.
    const ok = h !== undefined && (holder ? h.kind === 'me' : h.kind !== 'me');
    push(
      `cloud assignment ${v.address}`,
      ok ? 'pass' : 'fail',
      `the cloud assigns ${v.address} to ${desc}`,
      ok
        ? null
        : h === undefined
          ? `the cloud did not report this address at all: check the VIP is in this NIC's subnet and the region (provider.${provider.name})`
          : holder
            ? 'vipd re-asserts while MASTER; if it does not, check the IAM permission for the assign call (docs/clouds/) and the logs for VIPD_E_CLOUD_*'
            : 'this BACKUP holds the VIP in the cloud: check for split brain (vipd status on both nodes)',
    );
  }
  const describe = ctx.cloudScope();
  try {
    const facts = await provider.describe(describe.ctx);
    const capacity = facts.addressCapacity;
    if (capacity !== null && 'error' in capacity) {
      push('NIC address limit', 'warn', `cannot count the addresses on ${facts.nicId}: ${capacity.error.message}`);
    } else if (capacity !== null) {
      const headroom = capacity.limit - capacity.used;
      const fits = headroom >= 0 && (holder || headroom >= group.vips.length);
      push(
        'NIC address limit',
        fits ? 'pass' : 'fail',
        `${headroom} more address(es) fit on ${facts.nicId} (limit ${capacity.limit})`,
        fits ? null : 'a larger instance shape or fewer secondary IPs on this NIC: the VIPs cannot (all) move here',
      );
    }
    for (const c of facts.checks) push(c.check, c.status, c.detail, c.fix);
  } catch (e) {
    push('cloud facts', 'warn', asVipdError(e).message);
  } finally {
    describe.dispose();
  }
}

async function osChecks(ctx: DoctorContext, group: GroupConfig, index: number, v: OsVipView, holder: boolean, push: Push): Promise<void> {
  const ifname = group.interface;
  if (!holder) {
    push(
      `VIP ${v.address} on ${ifname}`,
      v.onInterface ? 'fail' : 'pass',
      v.onInterface ? `${v.address} is on ${ifname} of a non-master` : 'absent, as it should be',
      v.onInterface ? `ip addr del ${v.address}/${v.prefix ?? 32} dev ${ifname}, or restart vipd (it removes orphans at start)` : null,
    );
    return;
  }
  push(
    `VIP ${v.address} on ${ifname}`,
    v.onInterface ? 'pass' : 'fail',
    v.onInterface ? `present as /${v.prefix}` : 'missing',
    v.onInterface ? null : `vipd repairs this within os.reconcileIntervalMs; by hand: ip addr replace ${v.address}/${v.expectedPrefix ?? '?'} dev ${ifname}`,
  );
  if (v.onInterface) {
    push(
      `prefix of ${v.address}`,
      v.addressOk ? 'pass' : 'fail',
      `/${v.prefix} on the interface, subnet wants /${v.expectedPrefix ?? '?'}`,
      v.addressOk
        ? null
        : `ip addr del ${v.address}/${v.prefix} dev ${ifname} && ip addr add ${v.address}/${v.expectedPrefix ?? '?'} dev ${ifname} (a /32 breaks on-subnet replies)`,
    );
  }
  if (!ctx.config.os.policyRouting) {
    push(`policy routing ${v.address}`, 'skip', 'os.policyRouting is false');
    return;
  }
  const table = tableFor(ctx.config.os.tableBase, group.id, index);
  const ok = v.ruleOk === true && v.tableOk === true;
  push(
    `policy routing ${v.address}`,
    ok ? 'pass' : 'fail',
    `rule from ${v.address} lookup ${table}: ${v.ruleOk ? 'present' : 'MISSING'}; table ${table}: ${v.tableOk ? 'complete' : 'MISSING or incomplete'}`,
    ok
      ? null
      : 'vipd re-adds them while MASTER; if something keeps deleting them, look for amazon-ec2-net-utils/oci-utils/networkd rewriting rules (docs/os.md)',
  );
  // Of the VIP's family: `ip route get 192.0.2.1 from fd00::1` is an error, not an answer.
  const probe = v.address.includes(':') ? PROBE_DESTINATION_V6 : PROBE_DESTINATION_V4;
  try {
    const r = await ctx.runner.run('ip', ['-json', 'route', 'get', probe, 'from', v.address], { timeoutMs: 5000 });
    const parsed = (r.exitCode === 0 ? JSON.parse(r.stdout) : []) as Array<{ dev?: string; table?: string | number; prefsrc?: string }>;
    const route = parsed[0];
    const viaTable = route !== undefined && String(route.table ?? 'main') === String(table) && route.dev === ifname;
    push(
      `replies from ${v.address}`,
      viaTable ? 'pass' : 'fail',
      route
        ? `ip route get ${probe} from ${v.address}: dev ${route.dev ?? '?'} table ${String(route.table ?? 'main')}`
        : `ip route get failed: ${r.stderr.trim()}`,
      viaTable
        ? null
        : `replies would not leave through table ${table}; check "ip rule" for a rule at a lower priority than ${ctx.config.os.rulePriority} that catches them`,
    );
  } catch (e) {
    push(`replies from ${v.address}`, 'fail', asVipdError(e).message, 'apt-get install iproute2');
  }
}

async function serviceChecks(ctx: DoctorContext, group: GroupConfig, push: Push): Promise<void> {
  if (group.servicePorts.length === 0) return;
  let listeners: Array<{ address: string; port: number }>;
  try {
    listeners = await tcpListeners(ctx);
  } catch (e) {
    push('service listeners', 'fail', asVipdError(e).message, 'apt-get install iproute2 (for ss)');
    return;
  }
  const vips = new Set(group.vips.map((v) => v.address));
  for (const port of group.servicePorts) {
    const hit = listeners.find((l) => l.port === port && (vips.has(l.address) || l.address === '0.0.0.0' || l.address === '::' || l.address === '*'));
    push(
      `listener on port ${port}`,
      hit ? 'pass' : 'fail',
      hit ? `${hit.address}:${port}` : `nothing listens on a VIP or the wildcard address on TCP ${port}`,
      hit ? null : `start the service, bound to 0.0.0.0 or the VIP (with net.ipv4.ip_nonlocal_bind=1 to bind the VIP on a backup)`,
    );
  }
}

async function tcpListeners(ctx: DoctorContext): Promise<Array<{ address: string; port: number }>> {
  const r = await ctx.runner.run('ss', ['-Hltn'], { timeoutMs: 5000 });
  if (r.exitCode !== 0) throw new Error(`ss -Hltn exited ${r.exitCode}: ${r.stderr.trim()}`);
  const out: Array<{ address: string; port: number }> = [];
  for (const line of r.stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const at = local.lastIndexOf(':');
    const address = local
      .slice(0, at)
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
    const port = Number(local.slice(at + 1));
    if (Number.isInteger(port)) out.push({ address, port });
  }
  return out;
}
