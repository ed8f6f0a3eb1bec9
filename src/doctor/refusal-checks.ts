import type { CheckResult, DoctorContext } from './types';

/**
 * Sends probes to `address`:`port` from a connected socket and resolves
 * true as soon as one is refused (ICMP port unreachable came back), false
 * when none is within `timeoutMs`.
 */
export type RefusalProbe = (address: string, port: number, timeoutMs: number) => Promise<boolean>;

/** Generous against a loaded host; an answer normally comes back within a few ms. */
export const REFUSAL_PROBE_TIMEOUT_MS = 500;

/**
 * Whether each peer's host answers a probe of a closed UDP port with ICMP
 * port unreachable: that decides which path detects a dead vipd there
 * (docs/election.md, "Refused probes"). A peer whose vipd runs listens on its
 * heartbeat port, so the probe goes to the next port up, which the same
 * host firewall usually treats alike; a peer not heard is probed on the
 * heartbeat port itself. A cloud security group that admits only the
 * heartbeat port drops the first kind: the result says which was tested.
 */
export async function checkPeerRefusals(ctx: Pick<DoctorContext, 'config' | 'daemon'>, probe: RefusalProbe): Promise<CheckResult[]> {
  const port = ctx.config.heartbeat.port;
  const peers = new Map<string, { id: string; address: string; groups: string[] }>();
  for (const g of ctx.config.groups) {
    if (!g.claimOnRefusal) continue;
    for (const p of g.peers) {
      const entry = peers.get(p.address) ?? { id: p.id, address: p.address, groups: [] };
      entry.groups.push(g.name);
      peers.set(p.address, entry);
    }
  }
  if (peers.size === 0) {
    return [
      {
        check: 'probe refusals',
        group: null,
        status: 'skip',
        detail: 'claimOnRefusal is off in every group: only the down timer detects a dead peer',
        fix: null,
      },
    ];
  }
  const out: CheckResult[] = [];
  for (const peer of peers.values()) {
    const alive = heardRecently(ctx, peer.id);
    const target = alive ? port + 1 : port;
    const what = alive
      ? `UDP ${target} (its vipd holds ${port}; the next port stands in for it)`
      : `its heartbeat port UDP ${target} (not heard: nothing should listen there)`;
    const refused = await probe(peer.address, target, REFUSAL_PROBE_TIMEOUT_MS);
    out.push(
      refused
        ? {
            check: `probe refusals from ${peer.id}`,
            group: null,
            status: 'pass',
            detail: `${peer.address} refused a probe of ${what}: if its vipd dies while the host lives, the backup takes over in about one interval (reason peer-refused)`,
            fix: null,
          }
        : {
            check: `probe refusals from ${peer.id}`,
            group: null,
            status: 'warn',
            detail: `no refusal from ${peer.address} for ${what} within ${REFUSAL_PROBE_TIMEOUT_MS} ms: a dead vipd there is detected by the down timer only (deadAfter intervals + skew)`,
            fix: `for the fast path, let ${peer.id} answer closed UDP ports with ICMP port unreachable and let it back to this node (a host firewall REJECT or no rule rather than DROP; on a cloud, allow ICMP destination unreachable from ${peer.address} in the security group); or set claimOnRefusal: false in ${peer.groups.join(', ')} to make the timer the only path`,
          },
    );
  }
  return out;
}

function heardRecently(ctx: Pick<DoctorContext, 'config' | 'daemon'>, peerId: string): boolean {
  const d = ctx.daemon;
  if (!d) return true; // unknown: assume it runs, and do not probe its live heartbeat port for a refusal that cannot come
  const now = d.startedAtMonotonicMs + d.uptimeMs;
  for (const g of d.groups) {
    const cfg = ctx.config.groups.find((c) => c.name === g.name);
    const limit = 3 * (cfg?.intervalMs ?? 1000);
    const p = g.election.peers.find((x) => x.id === peerId);
    if (p?.lastHeardAt !== null && p?.lastHeardAt !== undefined && now - p.lastHeardAt <= limit) return true;
  }
  return false;
}
