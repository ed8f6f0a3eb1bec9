import { VipdError } from '../errors';
import type { ElectionOptions, PeerAdvert, Role } from './types';

const ROLES: readonly Role[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

/**
 * Options come from the validated config, so a failure here is a config
 * the loader should have refused: report it as a config error, precisely.
 */
export function validateOptions(opts: ElectionOptions): void {
  const bad = (what: string, value: unknown): never => {
    throw new VipdError('VIPD_E_CONFIG', `election: ${what}`, { details: { nodeId: opts.nodeId, value } });
  };
  if (typeof opts.nodeId !== 'string' || opts.nodeId.length === 0) bad('nodeId must be a non-empty string', opts.nodeId);
  if (!Number.isInteger(opts.priority) || opts.priority < 1 || opts.priority > 254) bad('priority must be an integer 1-254', opts.priority);
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) bad('intervalMs must be a positive number', opts.intervalMs);
  if (!Number.isInteger(opts.deadAfter) || opts.deadAfter < 1 || opts.deadAfter > 100) bad('deadAfter must be an integer 1-100', opts.deadAfter);
  if (!Number.isFinite(opts.preemptDelayMs) || opts.preemptDelayMs < 0) bad('preemptDelayMs must be a number >= 0', opts.preemptDelayMs);
  if (opts.claimOnRefusal !== undefined && typeof opts.claimOnRefusal !== 'boolean') bad('claimOnRefusal must be a boolean', opts.claimOnRefusal);
  const minGap = opts.reannounceMinIntervalMs;
  if (minGap !== undefined && (!Number.isFinite(minGap) || minGap < 0)) bad('reannounceMinIntervalMs must be a number >= 0', minGap);
  const hold = opts.ownerFaultHoldMs;
  if (hold !== undefined && (!Number.isFinite(hold) || hold <= 0)) bad('ownerFaultHoldMs must be a positive number', hold);
  const seen = new Set<string>();
  for (const peer of opts.peers) {
    if (typeof peer !== 'string' || peer.length === 0) bad('peer ids must be non-empty strings', peer);
    if (peer === opts.nodeId) bad('a node cannot be its own peer', peer);
    if (seen.has(peer)) bad('peer ids must be unique', peer);
    seen.add(peer);
  }
}

/**
 * heartbeat/ decodes, authenticates and filters adverts before they reach
 * the core, so anything malformed here is a broken invariant upstream; it
 * is refused loudly rather than guessed at.
 */
export function validateAdvert(advert: PeerAdvert, isPeer: (id: string) => boolean): void {
  const bad = (what: string): never => {
    throw new VipdError('VIPD_E_INTERNAL', `election: refused advert: ${what}`, { details: { advert: { ...advert } } });
  };
  if (advert.kind !== 'advert' && advert.kind !== 'resign') bad(`unknown kind ${String(advert.kind)}`);
  if (!isPeer(advert.from)) bad(`${String(advert.from)} is not a configured peer of this group`);
  if (!Number.isInteger(advert.priority) || advert.priority < 0 || advert.priority > 255) bad(`priority ${String(advert.priority)} is not 0-255`);
  if (!ROLES.includes(advert.role)) bad(`unknown role ${String(advert.role)}`);
  if (!Number.isFinite(advert.intervalMs) || advert.intervalMs <= 0) bad(`intervalMs ${String(advert.intervalMs)} is not positive`);
}

/** The shell passes monotonic time; time going backwards is a shell bug that would corrupt every timer. */
export function checkTime(now: number, last: number): void {
  if (!Number.isFinite(now)) throw new VipdError('VIPD_E_INTERNAL', `election: now must be a finite number, got ${String(now)}`);
  if (now < last) {
    throw new VipdError('VIPD_E_INTERNAL', `election: time went backwards (${now} < ${last})`, { details: { now, last } });
  }
}
