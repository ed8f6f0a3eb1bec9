import { VipdError } from '../errors';
import { acquisitionKind, type MasterClaim } from './acquisition';
import { judgeCloudHolder } from './cloud-arbiter';
import { PeerTable } from './peer-table';
import { REFUSAL_OVERDUE_FRACTION, REFUSAL_PROBE_FRACTION, REFUSAL_REPROBE_FRACTION, RefusalEvidence } from './refusal';
import { DEFAULT_REANNOUNCE_MIN_INTERVAL_MS, ReannounceLimiter } from './reannounce';
import { outranks, type Ranked } from './rank';
import { masterDownMs, skewMs } from './timing';
import { switchoverSuccessor, type SuccessorVerdict } from './successor';
import { isAllowedTransition } from './transitions';
import type {
  AnnounceReason,
  ElectionEvent,
  ElectionOptions,
  ElectionOutput,
  ElectionStatus,
  NotMaster,
  OutgoingAdvert,
  PeerAdvert,
  Role,
  TransitionReason,
} from './types';
import { checkTime, validateAdvert, validateOptions } from './validate';

const MIN_PRIORITY = 1;
const DEFAULT_OWNER_FAULT_HOLD_MS = 30_000;
const MAX_PRIORITY = 254;
/** After a stall, the announce waits for the next wake-up: by then the shell has stepped every advert that queued. */
const STALL_ANNOUNCE_DELAY_MS = 1;

type DownCause = { readonly reason: 'master-down' | 'peer-resigned' | 'peer-refused'; readonly peer: string | undefined };

/**
 * One group's VRRP-style election (RFC 5798 semantics, unicast adverts),
 * as a pure state machine: inputs carry `now`, decisions pile up as
 * outputs the shell takes with drain(). Nothing here reads a clock, sends,
 * logs or sleeps, so every schedule can be replayed exactly in tests.
 */
export class ElectionCore {
  private current: Role = 'INIT';
  private opts: ElectionOptions;
  private readonly peers: PeerTable;
  private penalty = 0;
  /** A weight-0 tracker is down (setHealth). */
  private faulty = false;
  /** After ownerFailed: FAULT is held until this time, whatever the trackers say. */
  private ownerFaultUntil: number | null = null;
  private maintenanceOn = false;

  /** The peer believed to be MASTER (never self). */
  private masterId: string | null = null;
  private lastMasterAdvertAt: number | null = null;

  private downAt: number | null = null;
  private downCause: DownCause = { reason: 'master-down', peer: undefined };
  private preemptAt: number | null = null;
  private nextAdvertAt: number | null = null;
  /**
   * When the believed master's next advert falls due (claimOnRefusal): the BACKUP probes its
   * heartbeat port then too, and every tenth of an interval after while none comes. The probe on our own
   * heartbeat alone found a dead daemon up to an interval late, at a phase unrelated to the master's.
   */
  private probeAt: number | null = null;
  private lastProbeAt: number | null = null;

  /**
   * Set by resign(): behave as nopreempt towards the master we handed over to
   * until it is lost. `to` follows the top live master while the previous one
   * still lives (backups that claimed together settle on the best of them);
   * once `to` is gone, the hold ends, even if another backup claimed before
   * our own down timer fired.
   */
  private hold: { to: string | null } | null = null;
  /** Set by a cloud-outranked step-down: no claim until this node is heard or the cloud shows us/nobody. */
  private claimBlockedBy: string | null = null;
  private suspectedHolder: string | null = null;
  /** Per mastership: member holders we contested once already. */
  private contested = new Set<string>();
  /** Per mastership: the peer whose silence made us claim (master-down). */
  private tookOverFrom: string | null = null;
  private readonly refusals = new RefusalEvidence();
  /**
   * A nopreempt MASTER back from a stall long enough for a peer to have claimed: until then it
   * sends no advert and yields to any master it hears (or the cloud shows), so a peer that took
   * over meanwhile keeps the group; with nobody heard it advertises again at this time.
   */
  private listenUntil: number | null = null;

  /** Re-announcements of the VIPs while MASTER, rate-limited. */
  private readonly reannounce: ReannounceLimiter;

  private lastNow = -Infinity;
  private pending: ElectionOutput[] = [];

  constructor(opts: ElectionOptions) {
    validateOptions(opts);
    this.opts = opts;
    this.peers = new PeerTable(opts.peers);
    this.reannounce = new ReannounceLimiter(opts.reannounceMinIntervalMs ?? DEFAULT_REANNOUNCE_MIN_INTERVAL_MS);
  }

  get role(): Role {
    return this.current;
  }

  /** The holder this node yielded to and waits on (cloud arbitration), or null. */
  get yieldedTo(): string | null {
    return this.claimBlockedBy;
  }

  /**
   * Reload: new timing/priority settings without leaving the current role,
   * so a config reload never drops or moves a VIP by itself. A master
   * announces the new priority at once (a backup that now outranks it
   * preempts as usual); a backup re-arms its timers with the new interval.
   */
  reconfigure(change: Pick<ElectionOptions, 'priority' | 'preempt' | 'preemptDelayMs' | 'intervalMs' | 'deadAfter' | 'claimOnRefusal'>, now: number): void {
    if (this.current === 'STOP') return;
    validateOptions({ ...this.opts, ...change });
    this.advanceTo(now);
    this.opts = { ...this.opts, ...change };
    if (this.opts.claimOnRefusal !== true) this.refusals.reset();
    if (this.current === 'MASTER') {
      if (this.listenUntil === null) this.sendAdvert(now);
    } else if (this.current === 'BACKUP') {
      this.preemptAt = null;
      if (this.downAt !== null) this.armDown(now);
    }
  }

  start(now: number): void {
    if (this.current === 'STOP') return;
    if (this.current !== 'INIT') throw new VipdError('VIPD_E_INTERNAL', `election: start() called in ${this.current}`);
    this.advanceTo(now);
    if (this.inFault()) {
      this.transition(now, 'FAULT', 'tracker-fault');
    } else {
      this.transition(now, 'BACKUP', 'start');
      // A fresh node must not claim before a live master had the chance to be heard.
      this.armDown(now);
    }
    this.sendAdvert(now);
  }

  tick(now: number): void {
    if (!this.accept(now)) return;
    if (this.ownerFaultUntil !== null && now >= this.ownerFaultUntil) {
      this.ownerFaultUntil = null;
      this.applyFault(now);
    }
    if (this.current === 'BACKUP') this.tickBackup(now);
    if (this.listenUntil !== null && now >= this.listenUntil) this.endListen(now);
    this.tickAdverts(now);
    if (this.current === 'MASTER') this.emitAnnounce(this.reannounce.due(now));
  }

  step(advert: PeerAdvert, now: number): void {
    if (this.current === 'STOP') return;
    // Validate before anything moves (time included): a refused input changes nothing.
    validateAdvert(advert, (id) => this.peers.has(id));
    this.advanceTo(now);
    const resign = advert.kind === 'resign' || advert.priority === 0;
    if (this.refusals.heard(advert.from)) {
      // Its daemon lives: the refusals came from a firewall (or a forger). Back to the plain timer.
      this.event(now, { kind: 'refusal-contradicted', peer: advert.from });
      if (this.current === 'BACKUP' && this.downCause.reason === 'peer-refused') this.armDown(now);
    }
    // Read before recording: a claim is news only from a peer that was not already a live master,
    // and a peer is back after a silence longer than the window in which we count it live, or when
    // first heard: for all we know it held the group meanwhile (both sides claimed while cut apart).
    const newClaim = !resign && advert.role === 'MASTER' && !this.peers.isLiveMaster(advert.from, now, this.downIntervalMs());
    const heardBefore = this.peers.get(advert.from)?.lastHeardAt ?? null;
    const returned = heardBefore === null || now - heardBefore > this.downIntervalMs();
    this.peers.record(advert, resign, now);
    // Heartbeats reach us again: what the cloud showed before is history, rank afresh.
    this.contested.delete(advert.from);
    if (this.tookOverFrom === advert.from) this.tookOverFrom = null;
    if (this.suspectedHolder === advert.from) this.clearSuspicion(now);
    if (this.claimBlockedBy === advert.from) {
      this.claimBlockedBy = null;
      if (this.current === 'BACKUP') this.armDown(now);
    }
    switch (this.current) {
      case 'MASTER':
        this.stepMaster(advert, resign, newClaim, returned, now);
        return;
      case 'BACKUP':
        this.stepBackup(advert, resign, now);
        return;
      default:
        // INIT and FAULT only keep track of who is master, for status and for later.
        this.refreshMaster(now);
        if (this.masterId === advert.from) this.lastMasterAdvertAt = now;
        return;
    }
  }

  /**
   * The host of `peer` answered a probe with ICMP port unreachable (nothing
   * listens on its heartbeat port). Evidence only: it counts against the
   * believed master, twice in a row, and the claim still waits until that
   * master's next advert is overdue (docs/election.md, "Refused probes").
   */
  peerRefused(peer: string, now: number): void {
    if (this.current === 'STOP') return;
    if (!this.peers.has(peer)) throw new VipdError('VIPD_E_INTERNAL', `election: refusal from ${String(peer)}, which is not a configured peer of this group`);
    this.advanceTo(now);
    if (this.opts.claimOnRefusal !== true || this.current !== 'BACKUP' || this.masterId !== peer) return;
    const windowMs = this.peers.get(peer)?.intervalMs ?? this.opts.intervalMs;
    switch (this.refusals.note(peer, now, windowMs)) {
      case 'first':
        // The second probe goes at once: a lone refusal (stray or forged ICMP) proves nothing.
        this.pending.push({ type: 'probe', peer });
        return;
      case 'confirmed':
        this.armRefusalClaim(peer, now);
        return;
      case 'ignored':
        return;
    }
  }

  setHealth(h: { penalty: number; fault: boolean }, now: number): void {
    if (this.current === 'STOP') return;
    if (!Number.isInteger(h.penalty) || typeof h.fault !== 'boolean') {
      throw new VipdError('VIPD_E_INTERNAL', `election: health must be an integer penalty and a boolean fault`, { details: { ...h } });
    }
    this.advanceTo(now);
    const before = this.effective();
    this.penalty = h.penalty;
    this.faulty = h.fault;
    // Backups learn the new priority at once, so one that now outranks us preempts without waiting.
    // While listening after a stall the priority goes out with the advert that ends the listen.
    if (!this.applyFault(now) && this.current === 'MASTER' && this.effective() !== before && this.listenUntil === null) this.sendAdvert(now);
  }

  /**
   * Taking or releasing the VIPs failed permanently (permission, invalid
   * request): FAULT, held for ownerFaultHoldMs (a deadline beside the down
   * and preempt timers), then the node competes again unless a tracker still
   * holds it down. Another failure during the hold starts it afresh.
   */
  ownerFailed(now: number): void {
    if (!this.accept(now)) return;
    this.ownerFaultUntil = now + (this.opts.ownerFaultHoldMs ?? DEFAULT_OWNER_FAULT_HOLD_MS);
    this.applyFault(now);
  }

  setMaintenance(on: boolean, now: number): void {
    if (!this.accept(now)) return;
    if (on === this.maintenanceOn) return;
    this.maintenanceOn = on;
    if (on) {
      if (this.current === 'MASTER') {
        this.leaveMaster(now, 'BACKUP', 'admin-resign');
        this.armDown(now);
      }
      this.preemptAt = null;
    } else if (this.current === 'BACKUP') {
      this.armDown(now);
    }
  }

  resign(now: number): void {
    if (!this.accept(now)) return;
    if (this.current !== 'MASTER') return;
    this.leaveMaster(now, 'BACKUP', 'admin-resign');
    this.hold = { to: null };
    // A full down interval: the successor claims after its skew and its adverts reset this;
    // if nobody takes over, we claim back rather than leave the group without a master.
    this.armDown(now);
  }

  /** Who would claim the mastership if this node resigned now; asks nothing of the peers, changes nothing. */
  successor(now: number, to: string | null): SuccessorVerdict {
    return switchoverSuccessor({ peers: this.peers.successorViews(), now, liveWindowMs: this.downIntervalMs(), to });
  }

  stop(now: number): void {
    if (this.current === 'STOP') return;
    this.advanceTo(now);
    if (this.current === 'MASTER') this.send(this.resignAdvert('STOP'));
    this.clearBackupTimers();
    this.ownerFaultUntil = null;
    this.nextAdvertAt = null;
    this.transition(now, 'STOP', 'admin-stop');
  }

  noteStall(now: number, stalledMs: number): void {
    if (this.current === 'STOP') return;
    if (!Number.isFinite(stalledMs) || stalledMs < 0) {
      throw new VipdError('VIPD_E_INTERNAL', `election: stalledMs must be a number >= 0, got ${String(stalledMs)}`);
    }
    this.advanceTo(now);
    if (this.current === 'MASTER') {
      if (!this.opts.preempt && this.peerMayHaveClaimed(stalledMs)) {
        // nopreempt: a peer that claimed while we were frozen keeps the group. Our advert would
        // make it step down whenever we outrank it (two masters meeting are ranked, whatever
        // preempt says), so listen first: its adverts queued while we were frozen.
        this.listenUntil = Math.max(this.listenUntil ?? now, now + this.listenWindowMs());
        this.nextAdvertAt = null;
        return;
      }
      // Peers may have claimed meanwhile: tell them at once; their queued adverts settle the rest.
      this.sendAdvert(now);
      // A backup that claimed sent gratuitous ARP: the link must learn again where the VIPs are, but
      // only from a node still MASTER once the adverts queued during the stall were stepped (the
      // shell reports the stall first): one of them may make us step down, and an announce already
      // out would leave the link pointing here. So from the next tick, cancelled by a step-down.
      this.reannounce.requestFrom(now + STALL_ANNOUNCE_DELAY_MS, 'stall', undefined);
    } else if (this.current === 'BACKUP') {
      // Our deadlines expired while we could not hear anyone: they prove nothing about the master.
      this.refusals.dropPending();
      if (this.downAt !== null) this.armDown(now);
      this.preemptAt = null;
    }
  }

  observeCloudHolder(holder: string | null, now: number): void {
    if (this.current === 'STOP') return;
    if (holder !== null && (typeof holder !== 'string' || holder.length === 0)) {
      throw new VipdError('VIPD_E_INTERNAL', `election: cloud holder must be a node id or null, got ${String(holder)}`);
    }
    this.advanceTo(now);
    const view = holder === null ? undefined : this.peers.get(holder);
    if (this.listenUntil !== null && view !== undefined && view.priority !== 0 && holder !== null) {
      // A member took the VIPs while we were frozen (nopreempt): it keeps them.
      this.stepDown(now, 'stall', holder);
      return;
    }
    const verdict = judgeCloudHolder({
      holder,
      self: this.self(),
      role: this.current,
      holderIsPeer: view !== undefined,
      holderResigned: view?.priority === 0,
      holderPriority: view?.advertPriority ?? null,
      tookOverFrom: this.tookOverFrom,
      contestedBefore: holder !== null && this.contested.has(holder),
    });
    this.applyCloudVerdict(verdict, holder, view !== undefined, now);
    // A master the cloud does not show holding every VIP (nobody, another node it contests or
    // ignores) runs its acquire again: the cloud is the arbiter of where traffic goes.
    if (this.current === 'MASTER' && holder !== this.opts.nodeId) this.pending.push({ type: 'reassert', holder, at: now });
  }

  private applyCloudVerdict(verdict: ReturnType<typeof judgeCloudHolder>, holder: string | null, holderIsPeer: boolean, now: number): void {
    switch (verdict) {
      case 'clear':
        if (this.claimBlockedBy !== null) {
          this.claimBlockedBy = null;
          if (this.current === 'BACKUP') this.armDown(now);
        }
        this.clearSuspicion(now);
        return;
      case 'ignore':
        return;
      case 'contest':
        if (holderIsPeer && holder !== null) this.contested.add(holder);
        if (holder !== null && this.suspectedHolder !== holder) {
          this.suspect(holder, now);
          if (this.current === 'MASTER') this.requestAnnounce(now, 'cloud-split', holder);
        }
        return;
      case 'yield':
        if (holder === null) return;
        this.transition(now, 'BACKUP', 'cloud-outranked', holder);
        this.masterId = null;
        this.claimBlockedBy = holder;
        this.clearBackupTimers();
        this.suspect(holder, now);
        return;
    }
  }

  /** The earliest time a tick can change anything (timers), so the shell can sleep exactly until then. */
  nextDeadline(): number | null {
    let next: number | null = null;
    const announceAt = this.current === 'MASTER' ? this.reannounce.deadline() : null;
    const probeAt = this.current === 'BACKUP' ? this.probeAt : null;
    for (const t of [this.downAt, this.preemptAt, this.nextAdvertAt, announceAt, this.ownerFaultUntil, this.listenUntil, probeAt])
      if (t !== null && (next === null || t < next)) next = t;
    return this.current === 'STOP' ? null : next;
  }

  drain(): ElectionOutput[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  status(now: number): ElectionStatus {
    return {
      role: this.current,
      basePriority: this.opts.priority,
      effectivePriority: this.effective(),
      master: this.current === 'MASTER' ? this.opts.nodeId : this.liveBelievedMaster(now),
      peers: this.peers.list(),
      maintenance: this.maintenanceOn,
      lastMasterAdvertAt: this.lastMasterAdvertAt,
      timers: {
        downAt: this.downAt,
        preemptAt: this.preemptAt,
        nextAdvertAt: this.nextAdvertAt,
        ownerFaultUntil: this.ownerFaultUntil,
        listenUntil: this.listenUntil,
        probeAt: this.probeAt,
      },
      splitBrainHolder: this.suspectedHolder,
      claimBlockedBy: this.claimBlockedBy,
      holdAfterResign: this.hold !== null,
      refusal: this.refusals.snapshot(),
      peerDownAfterMs: this.downIntervalMs(),
      notMaster: this.whyNotMaster(now),
    };
  }

  private whyNotMaster(now: number): NotMaster | null {
    const why = (reason: NotMaster['reason'], peer: string | null = null, untilAt: number | null = null): NotMaster => ({ reason, peer, untilAt });
    switch (this.current) {
      case 'MASTER':
        return null;
      case 'INIT':
        return why('starting');
      case 'STOP':
        return why('stopped');
      case 'FAULT':
        return why('fault');
      case 'BACKUP':
        break;
    }
    if (this.maintenanceOn) return why('maintenance');
    if (this.claimBlockedBy !== null) return why('cloud-outranked', this.claimBlockedBy);
    const master = this.liveBelievedMaster(now);
    if (master === null) return why('waiting', null, this.downAt);
    const masterPriority = this.peers.get(master)?.priority ?? 0;
    if (outranks({ id: master, priority: masterPriority }, this.self())) return why('outranked', master);
    if (this.hold !== null) return why('held-after-switchover', master);
    if (!this.opts.preempt) return why('nopreempt', master);
    return why('preempt-delay', master, this.preemptAt);
  }

  // --- per-role handlers -------------------------------------------------

  private tickAdverts(now: number): void {
    if (this.nextAdvertAt === null || now < this.nextAdvertAt) return;
    const due = this.nextAdvertAt + this.opts.intervalMs;
    this.sendAdvert(now);
    // Keep the cadence anchored when ticks are on time; after a late tick, restart it rather than burst.
    if (due > now) this.nextAdvertAt = due;
  }

  private tickBackup(now: number): void {
    this.tickProbe(now);
    this.tickDown(now);
  }

  private tickDown(now: number): void {
    const downDue = this.downAt !== null && now >= this.downAt;
    const preemptDue = this.preemptAt !== null && now >= this.preemptAt;
    if (downDue && (!preemptDue || (this.downAt ?? 0) <= (this.preemptAt ?? 0))) this.masterLost(now);
    else if (preemptDue) this.tryPreempt(now);
  }

  private stepMaster(advert: PeerAdvert, resign: boolean, newClaim: boolean, returned: boolean, now: number): void {
    if (resign) {
      // Only a master resigns: this peer held the group beside us, whether or not its claim reached us,
      // and may have announced it as late as the moment it stepped down.
      this.requestAnnounce(now, 'peer-stepped-down', advert.from);
      return;
    }
    if (this.listenUntil !== null && advert.role === 'MASTER') {
      // Back from a stall under nopreempt: whoever claimed meanwhile keeps the group, higher or lower.
      this.stepDown(now, 'stall', advert.from);
      return;
    }
    if (advert.role !== 'MASTER') {
      // Back from a silence (a healed partition) in another role: it may have claimed and announced
      // meanwhile, then stepped down on our first advert before any of its own reached us.
      if (returned) this.requestAnnounce(now, 'peer-returned', advert.from);
      return;
    }
    if (outranks({ id: advert.from, priority: advert.priority }, this.self())) {
      this.stepDown(now, 'preempted', advert.from);
      return;
    }
    // Answer at once so the lower master steps down now, not at its next timer.
    this.sendAdvert(now);
    this.event(now, { kind: 'lower-master-answered', peer: advert.from, newClaim });
    // Its claim came with gratuitous ARP that the link follows; once per claim, not per advert.
    if (newClaim) this.requestAnnounce(now, 'lower-master', advert.from);
  }

  private stepBackup(advert: PeerAdvert, resign: boolean, now: number): void {
    if (resign) {
      const fromMaster = this.masterId === advert.from;
      this.refreshMaster(now);
      if (this.masterId !== null) return; // another live master remains: nothing was lost
      // The resign is the old master's last word: failover detection is measured from it.
      if (fromMaster) this.lastMasterAdvertAt = now;
      // RFC 5798 6.4.2: on priority 0 wait only Skew_Time, so the best backup claims first.
      // Backups advertise too, so a backup that outranks every live competitor it hears
      // has already won that race: it claims at once instead of waiting the skew.
      this.hold = null;
      this.preemptAt = null;
      // One that does not waits an advert interval on top: the better one's claim is on the wire
      // by then, and the skew alone (7 ms at priority 237, 100 ms adverts) is shorter than a tick
      // plus the link delay, so equal or close priorities used to claim together.
      const wait = this.outranksLiveCompetitors(advert.from, now) ? 0 : skewMs(this.effective(), this.opts.intervalMs) + this.opts.intervalMs;
      const at = now + wait;
      if (this.downAt === null || at < this.downAt) {
        this.downAt = at;
        this.downCause = { reason: 'peer-resigned', peer: advert.from };
      }
      return;
    }
    // Only masters advertise; anything else is informational.
    if (advert.role !== 'MASTER') return;
    this.refreshMaster(now);
    if (this.masterId === advert.from) {
      this.lastMasterAdvertAt = now;
      this.armProbe(advert.from, advert.intervalMs, now);
    }
    if (this.hold !== null) {
      if (this.hold.to !== null && !this.peers.isLiveMaster(this.hold.to, now, this.downIntervalMs())) this.hold = null;
      else this.hold.to = this.masterId;
    }
    this.armDown(now);
    const top = this.masterId === null ? null : this.peers.get(this.masterId);
    if (top && top.priority !== null && this.mayPreempt(top.id) && outranks(this.self(), { id: top.id, priority: top.priority })) {
      if (this.preemptAt === null) this.preemptAt = now + this.opts.preemptDelayMs;
      if (now >= this.preemptAt) this.tryPreempt(now);
    } else {
      this.preemptAt = null;
    }
  }

  /**
   * MASTER -> BACKUP in favour of `winner`, a master heard (or, after a stall, shown by the cloud).
   * Priority 0 first, as on every way out of MASTER: the winner learns that we had claimed (and
   * announced) even if none of our adverts reached it, and announces again.
   * To the winner only: to any other backup a resign says the mastership is free, and one that has
   * not heard the winner yet would claim it (a holder after a switchover included).
   */
  private stepDown(now: number, reason: 'preempted' | 'stall', winner: string): void {
    this.pending.push({ type: 'send', advert: this.resignAdvert('BACKUP'), to: winner });
    this.transition(now, 'BACKUP', reason, winner);
    // The resign is this interval's heartbeat: a BACKUP advert right behind it could overtake it on
    // the wire, and the winner's replay guard would then drop it.
    this.nextAdvertAt = now + this.opts.intervalMs;
    this.refreshMaster(now);
    this.lastMasterAdvertAt = now;
    this.armDown(now);
  }

  /** Nobody claimed while we were frozen (none heard within the listen window): assert mastership again. */
  private endListen(now: number): void {
    this.listenUntil = null;
    this.sendAdvert(now);
    // A backup may have claimed and stepped down again, or claimed unheard: its gratuitous ARP is on the link.
    this.requestAnnounce(now, 'stall', undefined);
  }

  /**
   * Could a peer ranked below us have claimed during a stall of `stalledMs`? Its down interval is
   * longer than ours (same timing assumed) and our last advert went out at most one interval before
   * the stall. A higher peer that claimed needs no listening: our advert makes us step down to it.
   */
  private peerMayHaveClaimed(stalledMs: number): boolean {
    return stalledMs + this.opts.intervalMs >= this.downIntervalMs();
  }

  /** One advert interval of the slowest member: a master that claimed sends at least one in it. */
  private listenWindowMs(): number {
    let longest = this.opts.intervalMs;
    for (const id of this.opts.peers) longest = Math.max(longest, this.peers.get(id)?.intervalMs ?? 0);
    return longest;
  }

  /**
   * Confirmed refusals shorten the wait to the master's next advert plus a
   * margin (a REJECT rule refuses a live master's probes too, and only its
   * next advert tells). Any message from the master before then cancels it.
   * Only the backup that outranks every live competitor takes this path:
   * each backup probes at its own phase, so unlike a resign, the news does
   * not reach them together and a skew would not keep the best one first.
   * The others keep the down timer; the winner's advert resets it.
   */
  private armRefusalClaim(peer: string, now: number): void {
    if (!this.outranksLiveCompetitors(peer, now)) return;
    const view = this.peers.get(peer);
    const intervalMs = view?.intervalMs ?? this.opts.intervalMs;
    const overdueAt = (view?.lastHeardAt ?? now) + intervalMs * (1 + REFUSAL_OVERDUE_FRACTION);
    const at = Math.max(now, overdueAt);
    if (this.downAt === null || at < this.downAt) {
      this.downAt = at;
      this.downCause = { reason: 'peer-refused', peer };
    }
    if (now >= at) this.tickDown(now);
  }

  // --- transitions ----------------------------------------------------------

  private masterLost(now: number): void {
    const cause = this.downCause;
    const lost = this.masterId;
    this.clearBackupTimers();
    this.masterId = null;
    // The master we handed over to is gone: ordinary preemption rules apply again.
    this.hold = null;
    if (!this.mayClaim()) return;
    this.becomeMaster(now, cause.reason, cause.peer ?? lost ?? undefined);
  }

  private tryPreempt(now: number): void {
    this.preemptAt = null;
    // Re-check at fire time: the master may have changed, gone or raised its priority meanwhile.
    const target = this.peers.liveMaster(now, this.downIntervalMs());
    if (target === null || !this.mayPreempt(target.id) || !outranks(this.self(), target)) return;
    this.becomeMaster(now, 'preempting', target.id);
  }

  private becomeMaster(now: number, reason: TransitionReason, peer: string | undefined): void {
    this.transition(now, 'MASTER', reason, peer);
    this.clearBackupTimers();
    this.masterId = null;
    this.hold = null;
    this.contested = new Set();
    this.tookOverFrom = reason === 'master-down' || reason === 'peer-refused' ? (peer ?? null) : null;
    this.sendAdvert(now);
  }

  /** Priority 0 first, so peers start their skew timers while we release. */
  private leaveMaster(now: number, to: 'BACKUP' | 'FAULT', reason: TransitionReason): void {
    this.send(this.resignAdvert(to));
    this.transition(now, to, reason);
    // Heartbeats go on in the new role, from one interval on (the resign said enough for now).
    this.nextAdvertAt = now + this.opts.intervalMs;
  }

  private transition(now: number, to: Role, reason: TransitionReason, peer?: string): void {
    const from = this.current;
    if (!isAllowedTransition(from, to, reason)) {
      throw new VipdError('VIPD_E_INTERNAL', `election: transition ${from} -> ${to} (${reason}) is not in the table`, { details: { from, to, reason } });
    }
    this.current = to;
    // Probes follow the master a BACKUP hears; a new role starts without one.
    this.probeAt = null;
    // Refusals are judged per role: what a peer's firewall showed before says nothing about the next master.
    this.refusals.reset();
    // A deferred re-announcement, like listening after a stall, belongs to this mastership only.
    if (from === 'MASTER') {
      this.reannounce.cancel();
      this.listenUntil = null;
    }
    const priority = { base: this.opts.priority, effective: this.effective(), maintenance: this.maintenanceOn };
    const claim: MasterClaim | undefined =
      to === 'MASTER'
        ? {
            kind: acquisitionKind({ reason, previousMaster: peer ?? null }) === 'failover' ? 'failover' : 'initial',
            reason,
            previousMaster: peer ?? null,
            lastMasterAdvertAt: this.lastMasterAdvertAt,
          }
        : undefined;
    this.pending.push({
      type: 'transition',
      from,
      to,
      reason,
      ...(peer === undefined ? {} : { peer }),
      at: now,
      priority,
      ...(claim === undefined ? {} : { claim }),
    });
  }

  // --- helpers -------------------------------------------------------------------

  /** A weight-0 tracker is down, or an owner failure is being held. */
  private inFault(): boolean {
    return this.faulty || this.ownerFaultUntil !== null;
  }

  /** Moves into or out of FAULT as inFault() now says; true when it made a transition. */
  private applyFault(now: number): boolean {
    const fault = this.inFault();
    switch (this.current) {
      case 'MASTER':
        if (!fault) return false;
        this.leaveMaster(now, 'FAULT', 'tracker-fault');
        return true;
      case 'BACKUP':
        if (!fault) return false;
        this.clearBackupTimers();
        this.transition(now, 'FAULT', 'tracker-fault');
        return true;
      case 'FAULT':
        if (fault) return false;
        this.transition(now, 'BACKUP', 'tracker-recovered');
        this.refreshMaster(now);
        this.armDown(now);
        return true;
      default:
        return false;
    }
  }

  private accept(now: number): boolean {
    if (this.current === 'STOP') return false;
    this.advanceTo(now);
    return true;
  }

  private advanceTo(now: number): void {
    checkTime(now, this.lastNow);
    this.lastNow = now;
  }

  private effective(): number {
    return Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, this.opts.priority + this.penalty));
  }

  private self(): Ranked {
    return { id: this.opts.nodeId, priority: this.effective() };
  }

  private downIntervalMs(): number {
    return masterDownMs(this.effective(), this.opts.intervalMs, this.opts.deadAfter);
  }

  private mayClaim(): boolean {
    return this.current === 'BACKUP' && !this.maintenanceOn && this.claimBlockedBy === null;
  }

  private mayPreempt(master: string): boolean {
    const held = this.hold !== null && (this.hold.to === null || this.hold.to === master);
    return this.mayClaim() && this.opts.preempt && !held;
  }

  private outranksLiveCompetitors(except: string, now: number): boolean {
    const self = this.self();
    return this.peers.liveCompetitors(now, this.downIntervalMs(), except).every((p) => outranks(self, p));
  }

  private armDown(now: number): void {
    this.downAt = now + this.downIntervalMs();
    this.downCause = { reason: 'master-down', peer: undefined };
  }

  private clearBackupTimers(): void {
    this.downAt = null;
    this.preemptAt = null;
  }

  private refreshMaster(now: number): void {
    const live = this.peers.liveMaster(now, this.downIntervalMs());
    if (live !== null && live.id !== this.masterId) this.event(now, { kind: 'master-seen', peer: live.id, priority: live.priority });
    this.masterId = live?.id ?? null;
  }

  private liveBelievedMaster(now: number): string | null {
    if (this.masterId === null) return null;
    const heard = this.peers.get(this.masterId)?.lastHeardAt ?? null;
    return heard !== null && now - heard <= this.downIntervalMs() ? this.masterId : null;
  }

  /**
   * Every live node advertises each interval in its current role, not only the
   * master (a VRRP backup is silent). Backup and FAULT adverts are informational:
   * they never reset a down timer nor trigger preemption, but they let a master
   * know its peers' current priorities (cloud arbitration ranks on them) and
   * show a peer as alive in status and metrics.
   */
  private sendAdvert(now: number): void {
    // In maintenance this node never claims: peers must not count it as a successor (switchover) or a competitor.
    const role: Role = this.maintenanceOn && this.current === 'BACKUP' ? 'FAULT' : this.current;
    this.send({ kind: 'advert', priority: this.effective(), role, intervalMs: this.opts.intervalMs });
    this.nextAdvertAt = now + this.opts.intervalMs;
    // A backup's heartbeat doubles as a liveness probe of its master: while that master lives, a
    // REJECT rule in front of it is found (and its refusals ignored) before any advert goes missing.
    if (this.mayProbe(this.masterId)) this.probe(this.masterId, now);
  }

  private mayProbe(master: string | null): master is string {
    return this.current === 'BACKUP' && master !== null && this.opts.claimOnRefusal === true && !this.refusals.ignores(master);
  }

  /** One probe per instant: the heartbeat's and the due one coincide after a late tick. */
  private probe(master: string, now: number): void {
    if (this.lastProbeAt === now) return;
    this.lastProbeAt = now;
    this.pending.push({ type: 'probe', peer: master });
  }

  private armProbe(master: string, intervalMs: number, now: number): void {
    this.probeAt = this.mayProbe(master) ? now + intervalMs * (1 + REFUSAL_PROBE_FRACTION) : null;
  }

  private tickProbe(now: number): void {
    if (this.probeAt === null || now < this.probeAt) return;
    const master = this.masterId;
    if (!this.mayProbe(master)) {
      this.probeAt = null;
      return;
    }
    this.probe(master, now);
    // Overdue: keep probing every tenth of an interval. A killed process's port refuses only once the
    // kernel has torn the process down (its memory first, its sockets after: several ms for a
    // Node process), so the probe at the due time often comes too early.
    const stepMs = (this.peers.get(master)?.intervalMs ?? this.opts.intervalMs) * REFUSAL_REPROBE_FRACTION;
    const due = this.probeAt + stepMs;
    this.probeAt = due > now ? due : now + stepMs;
  }

  private resignAdvert(to: Role): OutgoingAdvert {
    return { kind: 'resign', priority: 0, role: to, intervalMs: this.opts.intervalMs };
  }

  private send(advert: OutgoingAdvert): void {
    this.pending.push({ type: 'send', advert });
  }

  private requestAnnounce(now: number, reason: AnnounceReason, peer: string | undefined): void {
    // Listening after a stall: the advert that ends it announces, unless a master heard meanwhile keeps the group.
    if (this.listenUntil !== null) return;
    this.emitAnnounce(this.reannounce.request(now, reason, peer));
  }

  private emitAnnounce(out: ElectionOutput | null): void {
    if (out !== null) this.pending.push(out);
  }

  private suspect(holder: string, now: number): void {
    this.suspectedHolder = holder;
    this.event(now, { kind: 'split-brain-suspected', holder });
  }

  private clearSuspicion(now: number): void {
    if (this.suspectedHolder === null) return;
    this.suspectedHolder = null;
    this.event(now, { kind: 'split-brain-cleared' });
  }

  private event(now: number, event: ElectionEvent): void {
    this.pending.push({ type: 'event', event, at: now });
  }
}
