import type { ElectionOptions, Role } from '../../src/election/types';
import { makeCore, run, type Input } from './script';
import { ElectionCore } from '../../src/election/core';

/**
 * One row per transition or rule. Options: node a, peers b and c, priority 100,
 * interval 1000 ms, deadAfter 3, preempt on, no delay. For p=100:
 * skew = 156/256 * 1000 = 609.375 ms, master-down = 3609.375 ms.
 */
interface Row {
  readonly name: string;
  readonly opts?: Partial<ElectionOptions>;
  readonly inputs: readonly Input[];
  readonly expected: readonly string[];
  readonly role: Role;
  /** Show BACKUP/FAULT heartbeats too (hidden by default). */
  readonly heartbeats?: boolean;
}

const BECOME_MASTER: readonly Input[] = [['start', 0], ['tick', 3609.375], ['mark']];
const CLAIM = (t: number, reason: string): string[] => [`${t} BACKUP->MASTER ${reason}`, `${t} send advert p=100`];

const rows: readonly Row[] = [
  // --- start and the down timer ---
  { name: 'start enters BACKUP', inputs: [['start', 0]], expected: ['0 INIT->BACKUP start'], role: 'BACKUP' },
  {
    name: 'no claim before one full master-down interval',
    inputs: [
      ['start', 0],
      ['tick', 3609],
    ],
    expected: ['0 INIT->BACKUP start'],
    role: 'BACKUP',
  },
  {
    name: 'claims at master-down and advertises at once',
    inputs: [['start', 0], ['mark'], ['tick', 3609.375]],
    expected: CLAIM(3609.375, 'master-down'),
    role: 'MASTER',
  },
  {
    name: 'a master advert resets the down timer',
    inputs: [
      ['start', 0],
      ['advert', 1000, 'b', 150],
      ['tick', 4000],
      ['tick', 4609.375],
    ],
    expected: ['0 INIT->BACKUP start', '1000 event master-seen b p=150', '4609.375 BACKUP->MASTER master-down peer=b', '4609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'an advert from a peer in BACKUP is informational (no reset, no preempt)',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 50, 'BACKUP'], ['tick', 3609.375]],
    expected: CLAIM(3609.375, 'master-down'),
    role: 'MASTER',
  },
  // --- heartbeats of every live node ---
  {
    name: 'a backup advertises at start and every interval, in its role',
    inputs: [
      ['start', 0],
      ['tick', 999],
      ['tick', 1000],
      ['tick', 1500],
      ['tick', 2000],
    ],
    expected: ['0 INIT->BACKUP start', '0 heartbeat BACKUP p=100', '1000 heartbeat BACKUP p=100', '2000 heartbeat BACKUP p=100'],
    role: 'BACKUP',
    heartbeats: true,
  },
  {
    name: 'after resigning, heartbeats resume as BACKUP one interval later',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['tick', 4609.375], ['tick', 5000]],
    expected: ['4000 send resign role=BACKUP', '4000 MASTER->BACKUP admin-resign', '5000 heartbeat BACKUP p=100'],
    role: 'BACKUP',
    heartbeats: true,
  },
  {
    name: 'a node in FAULT heartbeats as FAULT',
    inputs: [
      ['health', 0, 0, true],
      ['start', 0],
      ['tick', 1000],
    ],
    expected: ['0 INIT->FAULT tracker-fault', '0 heartbeat FAULT p=100', '1000 heartbeat FAULT p=100'],
    role: 'FAULT',
    heartbeats: true,
  },
  {
    name: 'a claiming backup sends its MASTER advert, not a heartbeat, on the tick it claims',
    inputs: [['start', 0], ['mark'], ['tick', 3609.375]],
    expected: CLAIM(3609.375, 'master-down'),
    role: 'MASTER',
    heartbeats: true,
  },
  // --- preemption ---
  {
    name: 'preempts a lower master at once (preemptDelay 0)',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 50]],
    expected: ['1000 event master-seen b p=50', '1000 BACKUP->MASTER preempting peer=b', '1000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'preemptDelay postpones preemption from the first lower advert',
    opts: { preemptDelayMs: 2000 },
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 50], ['advert', 2000, 'b', 50], ['tick', 2999], ['tick', 3000]],
    expected: ['1000 event master-seen b p=50', '3000 BACKUP->MASTER preempting peer=b', '3000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a pending preemption is cancelled when a higher master appears',
    opts: { preemptDelayMs: 2000 },
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 50], ['advert', 1500, 'c', 150], ['tick', 3000]],
    expected: ['1000 event master-seen b p=50', '1500 event master-seen c p=150'],
    role: 'BACKUP',
  },
  {
    name: 'nopreempt keeps a live lower master',
    opts: { preempt: false },
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 50], ['tick', 3000], ['advert', 4000, 'b', 50], ['tick', 7000]],
    expected: ['1000 event master-seen b p=50'],
    role: 'BACKUP',
  },
  {
    name: 'equal priority: the byte-wise smaller id (a) preempts b',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 100]],
    expected: ['1000 event master-seen b p=100', '1000 BACKUP->MASTER preempting peer=b', '1000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'equal priority: b does not preempt a',
    opts: { nodeId: 'b', peers: ['a', 'c'] },
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'a', 100], ['tick', 4000]],
    expected: ['1000 event master-seen a p=100'],
    role: 'BACKUP',
  },
  {
    name: 'with two live masters a backup measures itself against the higher one',
    opts: { priority: 120 },
    inputs: [
      ['start', 0],
      ['mark'],
      ['advert', 1000, 'c', 150],
      ['advert', 1200, 'b', 50],
      ['advert', 2200, 'b', 50],
      ['advert', 3200, 'b', 50],
      ['advert', 4200, 'b', 50],
      // c last heard at 1000; master-down(120) = 3531.25, so c is presumed gone after 4531.25
      ['advert', 4600, 'b', 50],
    ],
    expected: ['1000 event master-seen c p=150', '4600 event master-seen b p=50', '4600 BACKUP->MASTER preempting peer=b', '4600 send advert p=120'],
    role: 'MASTER',
  },
  // --- refused probes (claimOnRefusal): b's host answers our probe with ICMP port unreachable ---
  {
    // With each heartbeat (a REJECT rule is found while the master lives) and once the master's next
    // advert is due (its last + its interval + 5 %), then every tenth of an interval while none comes:
    // a dead daemon is found as soon as its port closes, whatever the phases.
    name: 'refusal: a backup probes the believed master with each heartbeat, once its next advert is due, then every tenth of an interval while none comes; nobody before a master is heard',
    opts: { claimOnRefusal: true },
    inputs: [
      ['start', 0],
      ['tick', 400],
      ['advert', 500, 'b', 150],
      ['mark'],
      ['tick', 1000],
      ['tick', 1549],
      ['tick', 1550],
      ['tick', 1649],
      ['tick', 1650],
      ['tick', 2000],
      ['tick', 2100],
    ],
    // The re-probe due at 1950 goes at 2000's tick, so the heartbeat there needs none of its own.
    expected: ['1000 heartbeat BACKUP p=100', '1000 probe b', '1550 probe b', '1650 probe b', '2000 probe b', '2000 heartbeat BACKUP p=100', '2100 probe b'],
    role: 'BACKUP',
    heartbeats: true,
  },
  {
    name: 'refusal: an advert on time re-arms the due probe before it goes (a live master costs no extra probe)',
    opts: { claimOnRefusal: true },
    inputs: [
      ['start', 0],
      ['advert', 500, 'b', 150],
      ['mark'],
      ['tick', 1000],
      ['advert', 1520, 'b', 150],
      ['tick', 1600],
      ['tick', 2000],
      ['advert', 2510, 'b', 150],
      ['tick', 2620],
      ['tick', 3000],
      ['tick', 3610],
    ],
    expected: [
      '1000 heartbeat BACKUP p=100',
      '1000 probe b',
      '2000 heartbeat BACKUP p=100',
      '2000 probe b',
      '3000 heartbeat BACKUP p=100',
      '3000 probe b',
      '3610 probe b',
    ],
    role: 'BACKUP',
    heartbeats: true,
  },
  {
    name: "refusal: two in a row once the master's advert is overdue (interval + 10 %): claim at once",
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 2300, 'b'], ['refused', 2301, 'b']],
    expected: ['2300 probe b', '2301 BACKUP->MASTER peer-refused peer=b', '2301 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: "refusal: confirmed before the master's next advert is due, the claim waits until it is overdue",
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 1100, 'b'], ['refused', 1101, 'b'], ['tick', 2099], ['tick', 2100]],
    expected: ['1100 probe b', '2099 probe b', '2100 BACKUP->MASTER peer-refused peer=b', '2100 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: "refusal: refusals while the master's adverts arrive (REJECT rule) never claim; its refusals are ignored, the down timer stays",
    opts: { claimOnRefusal: true },
    inputs: [
      ['start', 0],
      ['advert', 1000, 'b', 150],
      ['mark'],
      ['refused', 1100, 'b'],
      ['refused', 1101, 'b'],
      ['advert', 2000, 'b', 150],
      ['tick', 2250],
      ['refused', 2300, 'b'],
      ['refused', 2301, 'b'],
      ['tick', 5609],
      ['tick', 5609.375],
    ],
    expected: ['1100 probe b', '2000 event refusal-contradicted b', '5609.375 BACKUP->MASTER master-down peer=b', '5609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'refusal: a lone refusal changes nothing (the next one after a whole interval starts afresh)',
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 1100, 'b'], ['refused', 2200, 'b'], ['tick', 4609], ['tick', 4609.375]],
    expected: ['1100 probe b', '2200 probe b', '4609 probe b', '4609.375 BACKUP->MASTER master-down peer=b', '4609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'refusal: from a peer that is not the believed master, ignored',
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 2300, 'c'], ['refused', 2301, 'c']],
    expected: [],
    role: 'BACKUP',
  },
  {
    name: 'refusal: off (the default), no probes and refusals change nothing',
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 2300, 'b'], ['refused', 2301, 'b'], ['tick', 3000]],
    expected: ['3000 heartbeat BACKUP p=100'],
    role: 'BACKUP',
    heartbeats: true,
  },
  {
    name: 'refusal: with a live backup that outranks us, only that one claims early; we keep the down timer',
    opts: { claimOnRefusal: true },
    inputs: [
      ['start', 0],
      ['advert', 1000, 'b', 150],
      ['advert', 1500, 'c', 120, 'BACKUP'],
      ['mark'],
      ['refused', 2300, 'b'],
      ['refused', 2301, 'b'],
      ['tick', 4609],
      ['tick', 4609.375],
    ],
    expected: ['2300 probe b', '4609 probe b', '4609.375 BACKUP->MASTER master-down peer=b', '4609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'refusal: a stall drops the pending refusal (its timing proves nothing)',
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['refused', 2300, 'b'], ['stall', 2400, 1000], ['refused', 2401, 'b']],
    expected: ['2300 probe b', '2401 probe b'],
    role: 'BACKUP',
  },
  {
    name: 'refusal: in maintenance, confirmed refusals do not claim',
    opts: { claimOnRefusal: true },
    inputs: [['start', 0], ['maintenance', 0, true], ['advert', 1000, 'b', 150], ['mark'], ['refused', 2300, 'b'], ['refused', 2301, 'b']],
    expected: ['2300 probe b'],
    role: 'BACKUP',
  },
  // --- resign from the master ---
  {
    name: 'resign from the master while a higher live backup is heard: claim after skew plus one interval (the higher one claims at once; its advert has that long to arrive)',
    inputs: [
      ['start', 0],
      ['mark'],
      ['advert', 1000, 'b', 150],
      ['advert', 1500, 'c', 120, 'BACKUP'],
      ['resign-from', 2000, 'b'],
      ['tick', 2609.375],
      ['tick', 3609],
      ['tick', 3609.375],
    ],
    expected: ['1000 event master-seen b p=150', '3609.375 BACKUP->MASTER peer-resigned peer=b', '3609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'resign from the master when no live backup outranks us: claim at the next tick, no skew',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 150], ['advert', 1500, 'c', 90, 'BACKUP'], ['resign-from', 2000, 'b'], ['tick', 2001]],
    expected: ['1000 event master-seen b p=150', '2001 BACKUP->MASTER peer-resigned peer=b', '2001 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'an advert with priority 0 counts as a resign',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 150], ['advert', 1500, 'c', 120, 'BACKUP'], ['advert', 2000, 'b', 0], ['tick', 3609.375]],
    expected: ['1000 event master-seen b p=150', '3609.375 BACKUP->MASTER peer-resigned peer=b', '3609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a resign from a non-master while a master lives starts no timer',
    inputs: [['start', 0], ['mark'], ['advert', 1000, 'b', 150], ['resign-from', 1500, 'c'], ['tick', 3000], ['tick', 4609]],
    expected: ['1000 event master-seen b p=150'],
    role: 'BACKUP',
  },
  // --- master ---
  {
    name: 'a master advertises every interval, on cadence after a slightly late tick',
    inputs: [...BECOME_MASTER, ['tick', 4609], ['tick', 4609.375], ['tick', 5700], ['tick', 6609.375]],
    expected: ['4609.375 send advert p=100', '5700 send advert p=100', '6609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a very late tick restarts the cadence instead of bursting',
    inputs: [...BECOME_MASTER, ['tick', 9000], ['tick', 9999], ['tick', 10000]],
    expected: ['9000 send advert p=100', '10000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a master steps down to a higher master',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 150]],
    expected: ['4000 send resign role=BACKUP to=b', '4000 MASTER->BACKUP preempted peer=b', '4000 event master-seen b p=150'],
    role: 'BACKUP',
  },
  {
    name: 'a master answers a lower master at once',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50]],
    expected: ['4000 send advert p=100', '4000 event lower-master-answered b', '4000 announce lower-master peer=b'],
    role: 'MASTER',
  },
  {
    name: 'a master wins the tie against b and answers',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 100]],
    expected: ['4000 send advert p=100', '4000 event lower-master-answered b', '4000 announce lower-master peer=b'],
    role: 'MASTER',
  },
  {
    name: 'master b loses the tie to a',
    opts: { nodeId: 'b', peers: ['a', 'c'] },
    inputs: [...BECOME_MASTER, ['advert', 4000, 'a', 100]],
    expected: ['4000 send resign role=BACKUP to=a', '4000 MASTER->BACKUP preempted peer=a', '4000 event master-seen a p=100'],
    role: 'BACKUP',
  },
  {
    name: 'a master keeps its role on resigns and backup adverts (a resign is news for the link: re-announce rows)',
    inputs: [...BECOME_MASTER, ['resign-from', 4000, 'b'], ['advert', 4100, 'c', 200, 'BACKUP']],
    expected: ['4000 announce peer-stepped-down peer=b'],
    role: 'MASTER',
  },
  // --- trackers ---
  {
    name: 'a penalty re-advertises the lower priority at once',
    inputs: [...BECOME_MASTER, ['health', 4000, -30, false]],
    expected: ['4000 send advert p=70'],
    role: 'MASTER',
  },
  {
    name: 'effective priority is clamped to 1..254',
    inputs: [...BECOME_MASTER, ['health', 4000, -500, false], ['health', 4100, 500, false]],
    expected: ['4000 send advert p=1', '4100 send advert p=254'],
    role: 'MASTER',
  },
  { name: 'an unchanged effective priority sends nothing', inputs: [...BECOME_MASTER, ['health', 4000, 0, false]], expected: [], role: 'MASTER' },
  {
    name: 'a weight-0 failure on a master: resign, then FAULT',
    inputs: [...BECOME_MASTER, ['health', 4000, 0, true]],
    expected: ['4000 send resign role=FAULT', '4000 MASTER->FAULT tracker-fault'],
    role: 'FAULT',
  },
  {
    name: 'FAULT ignores adverts and timers; recovery waits a full down interval',
    inputs: [
      ['start', 0],
      ['mark'],
      ['health', 100, 0, true],
      ['advert', 200, 'b', 50],
      ['tick', 10000],
      ['health', 10000, 0, false],
      ['tick', 13609],
      ['tick', 13609.375],
    ],
    expected: ['100 BACKUP->FAULT tracker-fault', '200 event master-seen b p=50', '10000 FAULT->BACKUP tracker-recovered', ...CLAIM(13609.375, 'master-down')],
    role: 'MASTER',
  },
  {
    name: 'a fault reported before start starts in FAULT',
    inputs: [
      ['health', 0, 0, true],
      ['start', 0],
    ],
    expected: ['0 INIT->FAULT tracker-fault'],
    role: 'FAULT',
  },
  // --- the owner-fault hold (a permanent error taking or releasing the VIPs) ---
  {
    name: 'an owner failure on a master: resign, FAULT, held until the deadline, then a full down interval',
    opts: { ownerFaultHoldMs: 30000 },
    inputs: [...BECOME_MASTER, ['owner-failed', 4000], ['tick', 33999], ['tick', 34000], ['tick', 37609], ['tick', 37609.375]],
    expected: ['4000 send resign role=FAULT', '4000 MASTER->FAULT tracker-fault', '34000 FAULT->BACKUP tracker-recovered', ...CLAIM(37609.375, 'master-down')],
    role: 'MASTER',
  },
  {
    name: 'the hold ends on the first tick at or after its deadline, never from a tracker recovery',
    opts: { ownerFaultHoldMs: 5000 },
    inputs: [['start', 0], ['mark'], ['owner-failed', 100], ['health', 200, 0, false], ['tick', 5099], ['tick', 5250]],
    expected: ['100 BACKUP->FAULT tracker-fault', '5250 FAULT->BACKUP tracker-recovered'],
    role: 'BACKUP',
  },
  {
    name: 'a tracker still down at the end of the hold keeps FAULT',
    opts: { ownerFaultHoldMs: 5000 },
    inputs: [['start', 0], ['mark'], ['owner-failed', 100], ['health', 200, 0, true], ['tick', 5100], ['health', 6000, 0, false]],
    expected: ['100 BACKUP->FAULT tracker-fault', '6000 FAULT->BACKUP tracker-recovered'],
    role: 'BACKUP',
  },
  {
    name: 'a second owner failure during the hold starts it afresh',
    opts: { ownerFaultHoldMs: 5000 },
    inputs: [['start', 0], ['mark'], ['owner-failed', 100], ['owner-failed', 3000], ['tick', 5100], ['tick', 8000]],
    expected: ['100 BACKUP->FAULT tracker-fault', '8000 FAULT->BACKUP tracker-recovered'],
    role: 'BACKUP',
  },
  {
    name: 'an owner failure before start starts in FAULT, held from the failure',
    opts: { ownerFaultHoldMs: 5000 },
    inputs: [
      ['owner-failed', 0],
      ['start', 0],
      ['tick', 5000],
    ],
    expected: ['0 INIT->FAULT tracker-fault', '5000 FAULT->BACKUP tracker-recovered'],
    role: 'BACKUP',
  },
  {
    name: 'stop ends the hold',
    opts: { ownerFaultHoldMs: 5000 },
    inputs: [['start', 0], ['owner-failed', 100], ['mark'], ['stop', 200], ['tick', 6000]],
    expected: ['200 FAULT->STOP admin-stop'],
    role: 'STOP',
  },
  // --- maintenance ---
  {
    name: 'maintenance on a master resigns and never claims while on',
    inputs: [...BECOME_MASTER, ['maintenance', 4000, true], ['tick', 20000], ['advert', 21000, 'b', 50], ['tick', 30000]],
    expected: ['4000 send resign role=BACKUP', '4000 MASTER->BACKUP admin-resign', '21000 event master-seen b p=50'],
    role: 'BACKUP',
  },
  {
    name: 'maintenance off: claim only after a full down interval from then',
    inputs: [['start', 0], ['maintenance', 0, true], ['tick', 10000], ['mark'], ['maintenance', 10000, false], ['tick', 13609], ['tick', 13609.375]],
    expected: CLAIM(13609.375, 'master-down'),
    role: 'MASTER',
  },
  // --- admin resign (switchover) ---
  {
    name: 'admin resign hands over and does not preempt back while the new master lives',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['advert', 4700, 'b', 50], ['advert', 5700, 'b', 50], ['advert', 6700, 'b', 50], ['tick', 7000]],
    expected: ['4000 send resign role=BACKUP', '4000 MASTER->BACKUP admin-resign', '4700 event master-seen b p=50'],
    role: 'BACKUP',
  },
  {
    name: 'admin resign: losing the new master ends the hold',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['advert', 4700, 'b', 50], ['mark'], ['tick', 8309.375]],
    expected: ['8309.375 BACKUP->MASTER master-down peer=b', '8309.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'admin resign: the new master resigning ends the hold',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['advert', 4700, 'b', 50], ['mark'], ['resign-from', 5000, 'b'], ['tick', 5609.375]],
    expected: ['5609.375 BACKUP->MASTER peer-resigned peer=b', '5609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'admin resign with no successor: claim back after a full down interval',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['mark'], ['tick', 7609], ['tick', 7609.375]],
    expected: CLAIM(7609.375, 'master-down'),
    role: 'MASTER',
  },
  {
    name: 'admin resign: the hold ends once the successor is lost, even if another master took over first',
    inputs: [...BECOME_MASTER, ['resign', 4000], ['advert', 4700, 'b', 50], ['advert', 5700, 'b', 50], ['advert', 6000, 'c', 40], ['advert', 9400, 'c', 40]],
    expected: [
      '4000 send resign role=BACKUP',
      '4000 MASTER->BACKUP admin-resign',
      '4700 event master-seen b p=50',
      // b last heard at 5700 is presumed gone after 9309.375; c is not the successor
      '9400 event master-seen c p=40',
      '9400 BACKUP->MASTER preempting peer=c',
      '9400 send advert p=100',
    ],
    role: 'MASTER',
  },
  {
    name: 'resign on a backup does nothing (and sets no hold)',
    inputs: [['start', 0], ['mark'], ['resign', 100], ['advert', 200, 'b', 50]],
    expected: ['200 event master-seen b p=50', '200 BACKUP->MASTER preempting peer=b', '200 send advert p=100'],
    role: 'MASTER',
  },
  // --- stop ---
  {
    name: 'stop on a master sends a resign; STOP then ignores every input',
    inputs: [
      ...BECOME_MASTER,
      ['stop', 4000],
      ['tick', 9000],
      ['advert', 9000, 'b', 50],
      ['health', 9000, 0, true],
      ['maintenance', 9000, true],
      ['cloud', 9000, 'b'],
      ['stall', 9000, 10],
      ['resign', 9000],
      ['start', 9000],
      ['stop', 9000],
      ['tick', 1], // even time going backwards
    ],
    expected: ['4000 send resign role=STOP', '4000 MASTER->STOP admin-stop'],
    role: 'STOP',
    heartbeats: true,
  },
  { name: 'stop on a backup sends nothing', inputs: [['start', 0], ['mark'], ['stop', 10]], expected: ['10 BACKUP->STOP admin-stop'], role: 'STOP' },
  { name: 'stop before start', inputs: [['stop', 0]], expected: ['0 INIT->STOP admin-stop'], role: 'STOP' },
  { name: 'stop in FAULT', inputs: [['health', 0, 0, true], ['start', 0], ['mark'], ['stop', 5]], expected: ['5 FAULT->STOP admin-stop'], role: 'STOP' },
  // --- stalls ---
  {
    name: 'control: without noteStall a stale down timer claims at once',
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['tick', 10000]],
    expected: ['10000 BACKUP->MASTER master-down peer=b', '10000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a stalled backup restarts its down timer instead of claiming',
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['stall', 10000, 9000], ['tick', 10000], ['tick', 13609], ['tick', 13609.375]],
    expected: ['13609.375 BACKUP->MASTER master-down peer=b', '13609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a stalled backup that then hears the queued adverts stays backup',
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['stall', 10000, 9000], ['advert', 10000, 'b', 150], ['tick', 10000], ['tick', 13000]],
    expected: [],
    role: 'BACKUP',
  },
  {
    name: 'a stall cancels a pending preemption (re-checked on the next advert)',
    opts: { preemptDelayMs: 2000 },
    inputs: [
      ['start', 0],
      ['advert', 1000, 'b', 50],
      ['mark'],
      ['stall', 5000, 4000],
      ['tick', 5000],
      ['advert', 5100, 'b', 50],
      ['tick', 7099],
      ['tick', 7100],
    ],
    expected: ['7100 BACKUP->MASTER preempting peer=b', '7100 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a stalled master advertises at once, keeps its role, then yields to a queued higher advert (and never announces: the link stays on the winner)',
    inputs: [...BECOME_MASTER, ['stall', 20000, 15000], ['advert', 20000, 'b', 150], ['tick', 20001]],
    expected: ['20000 send advert p=100', '20000 send resign role=BACKUP to=b', '20000 MASTER->BACKUP preempted peer=b', '20000 event master-seen b p=150'],
    role: 'BACKUP',
  },
  // --- nopreempt: a master back from a stall listens before it asserts mastership ---
  {
    name: 'nopreempt: a stalled master sends nothing, then yields to the master whose adverts queued (lower included), announcing nothing',
    opts: { preempt: false },
    inputs: [
      ...BECOME_MASTER,
      ['stall', 20000, 15000],
      ['tick', 20000],
      ['advert', 20000, 'b', 50, 'BACKUP'],
      ['advert', 20000, 'b', 50],
      ['tick', 20500],
      ['advert', 21000, 'b', 50],
    ],
    expected: ['20000 send resign role=BACKUP to=b', '20000 MASTER->BACKUP stall peer=b', '20000 event master-seen b p=50'],
    role: 'BACKUP',
  },
  {
    name: 'nopreempt: a stalled master yields to a higher master the same way (stall, not preempted)',
    opts: { preempt: false },
    inputs: [...BECOME_MASTER, ['stall', 20000, 15000], ['advert', 20000, 'b', 150]],
    expected: ['20000 send resign role=BACKUP to=b', '20000 MASTER->BACKUP stall peer=b', '20000 event master-seen b p=150'],
    role: 'BACKUP',
  },
  {
    name: 'nopreempt: a stalled master that hears no master within one interval advertises, announces and stays MASTER',
    opts: { preempt: false },
    inputs: [...BECOME_MASTER, ['stall', 20000, 15000], ['advert', 20500, 'c', 40, 'BACKUP'], ['tick', 20999], ['tick', 21000], ['tick', 22000]],
    expected: ['21000 send advert p=100', '21000 announce stall', '22000 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'nopreempt: while listening, the cloud showing a member as holder is its claim: yield to it, no reassert',
    opts: { preempt: false },
    inputs: [['start', 0], ['advert', 1000, 'b', 50, 'BACKUP'], ['tick', 3609.375], ['mark'], ['stall', 20000, 15000], ['cloud', 20010, 'b']],
    expected: ['20010 send resign role=BACKUP to=b', '20010 MASTER->BACKUP stall peer=b'],
    role: 'BACKUP',
  },
  {
    name: 'nopreempt: a stall too short for any lower peer to have claimed changes nothing (advert at once, announce once the queued adverts were stepped)',
    opts: { preempt: false },
    inputs: [...BECOME_MASTER, ['stall', 20000, 2000], ['advert', 20000, 'b', 50], ['tick', 20001]],
    expected: ['20000 send advert p=100', '20000 send advert p=100', '20000 event lower-master-answered b', '20001 announce stall coalesced=1'],
    role: 'MASTER',
  },
  {
    name: 'preempt: a stalled master still advertises at once and answers a queued lower master (it takes the group back once)',
    inputs: [...BECOME_MASTER, ['stall', 20000, 15000], ['advert', 20000, 'b', 50], ['tick', 20001]],
    expected: ['20000 send advert p=100', '20000 send advert p=100', '20000 event lower-master-answered b', '20001 announce stall coalesced=1'],
    role: 'MASTER',
  },
  {
    name: 'nopreempt: stepping down after a stall, then the new master is lost: claims again after a down interval',
    opts: { preempt: false },
    inputs: [...BECOME_MASTER, ['stall', 20000, 15000], ['advert', 20000, 'b', 50], ['mark'], ['tick', 23609], ['tick', 23609.375]],
    expected: ['23609.375 BACKUP->MASTER master-down peer=b', '23609.375 send advert p=100'],
    role: 'MASTER',
  },
  // --- re-announcing the VIPs after another node claimed them (issue 15) ---
  {
    name: 'a lower master claims: answered and re-announced once per claim, not per advert',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50], ['advert', 5000, 'b', 50], ['advert', 6000, 'b', 50]],
    expected: [
      '4000 send advert p=100',
      '4000 event lower-master-answered b',
      '4000 announce lower-master peer=b',
      '5000 send advert p=100',
      '5000 event lower-master-answered b',
      '6000 send advert p=100',
      '6000 event lower-master-answered b',
    ],
    role: 'MASTER',
  },
  {
    name: 'a peer that was a backup and claims again is a new claim',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50], ['advert', 4500, 'b', 50, 'BACKUP'], ['mark'], ['advert', 9000, 'b', 50]],
    expected: ['9000 send advert p=100', '9000 event lower-master-answered b', '9000 announce lower-master peer=b'],
    role: 'MASTER',
  },
  {
    name: 'a lower master heard again after going stale (a healed partition) is a new claim',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50], ['mark'], ['advert', 7609.375, 'b', 50], ['advert', 12000, 'b', 50]],
    expected: [
      '7609.375 send advert p=100',
      '7609.375 event lower-master-answered b',
      '12000 send advert p=100',
      '12000 event lower-master-answered b',
      '12000 announce lower-master peer=b',
    ],
    role: 'MASTER',
  },
  {
    name: 'a peer heard again after a silence longer than the down interval (a healed partition) makes the master announce, in any role',
    inputs: [
      ...BECOME_MASTER,
      ['advert', 4000, 'b', 50, 'BACKUP'],
      ['advert', 7000, 'b', 50, 'BACKUP'],
      ['mark'],
      ['advert', 10609.5, 'b', 50, 'BACKUP'],
      ['advert', 11000, 'b', 50, 'BACKUP'],
    ],
    expected: ['10609.5 announce peer-returned peer=b'],
    role: 'MASTER',
  },
  {
    name: 'a peer first heard while MASTER is news too (both sides may have claimed while cut apart); the rate limit folds the second',
    inputs: [...BECOME_MASTER, ['advert', 9000, 'b', 50, 'BACKUP'], ['advert', 9100, 'c', 60, 'FAULT'], ['tick', 10000]],
    expected: ['9000 announce peer-returned peer=b', '10000 send advert p=100', '10000 announce peer-returned peer=c'],
    role: 'MASTER',
  },
  {
    name: 'a resign while MASTER (the other stepped down, its claim maybe unheard) makes the master announce',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50, 'BACKUP'], ['mark'], ['resign-from', 6000, 'b'], ['resign-from', 9000, 'b']],
    expected: ['6000 announce peer-stepped-down peer=b', '9000 announce peer-stepped-down peer=b'],
    role: 'MASTER',
  },
  {
    name: 'a master preempted by a higher one resigns first, so the winner announces again even if none of its adverts got through',
    inputs: [...BECOME_MASTER, ['advert', 5000, 'b', 150]],
    expected: ['5000 send resign role=BACKUP to=b', '5000 MASTER->BACKUP preempted peer=b', '5000 event master-seen b p=150'],
    role: 'BACKUP',
  },
  {
    name: 'rate limit: a second claim within the minimum interval is deferred to its end, later ones fold into it',
    inputs: [
      ...BECOME_MASTER,
      ['advert', 4000, 'b', 50],
      ['mark'],
      ['advert', 4200, 'c', 60],
      ['stall', 4300, 4000],
      ['tick', 4999],
      ['tick', 5000],
      ['tick', 5299],
    ],
    expected: ['4200 send advert p=100', '4200 event lower-master-answered c', '4300 send advert p=100', '5000 announce lower-master peer=c coalesced=1'],
    role: 'MASTER',
  },
  {
    name: 'rate limit 0: every claim announces at once',
    opts: { reannounceMinIntervalMs: 0 },
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50], ['advert', 4001, 'c', 60], ['mark'], ['stall', 4002, 4000], ['tick', 4003]],
    expected: ['4002 send advert p=100', '4003 announce stall'],
    role: 'MASTER',
  },
  {
    name: 'a deferred announcement is dropped when the node stops being MASTER',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50], ['advert', 4200, 'c', 60], ['mark'], ['advert', 4300, 'c', 150], ['tick', 5000], ['tick', 6000]],
    expected: ['4300 send resign role=BACKUP to=c', '4300 MASTER->BACKUP preempted peer=c', '4300 event master-seen c p=150'],
    role: 'BACKUP',
  },
  {
    name: 'a backup never announces: not on a stall, not on a master advert',
    inputs: [['start', 0], ['advert', 1000, 'b', 150], ['mark'], ['stall', 10000, 9000], ['advert', 10000, 'b', 150], ['tick', 10000]],
    expected: [],
    role: 'BACKUP',
  },
  // --- cloud arbitration ---
  {
    name: 'cloud shows the master we declared dead: step down, no claim until heard again',
    inputs: [
      ['start', 0],
      ['advert', 500, 'b', 150],
      ['tick', 4109.375], // b silent: master-down
      ['mark'],
      ['cloud', 6000, 'b'],
      ['tick', 60000],
      ['advert', 61000, 'b', 150],
      ['tick', 64609.375],
    ],
    expected: [
      '6000 MASTER->BACKUP cloud-outranked peer=b',
      '6000 event split-brain-suspected b',
      '61000 event split-brain-cleared',
      '61000 event master-seen b p=150',
      '64609.375 BACKUP->MASTER master-down peer=b',
      '64609.375 send advert p=100',
    ],
    role: 'MASTER',
  },
  {
    name: 'cloud shows the master we declared dead: yield even if we outrank it',
    opts: { preempt: false },
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['tick', 4109.375], ['mark'], ['cloud', 5000, 'b']],
    expected: ['5000 MASTER->BACKUP cloud-outranked peer=b', '5000 event split-brain-suspected b'],
    role: 'BACKUP',
  },
  {
    name: 'a holder whose last word was a resign is contested, never yielded to (its late assign must not strand the VIP on a stopping node)',
    inputs: [['start', 0], ['advert', 500, 'b', 150], ['resign-from', 1000, 'b'], ['tick', 1609.375], ['mark'], ['cloud', 5000, 'b']],
    expected: ['5000 event split-brain-suspected b', '5000 announce cloud-split peer=b', '5000 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'a resigned holder that advertises again is ranked afresh: higher, yield',
    inputs: [
      ['start', 0],
      ['advert', 500, 'b', 150],
      ['resign-from', 1000, 'b'],
      ['tick', 1609.375],
      ['advert', 4000, 'b', 150, 'BACKUP'],
      ['mark'],
      ['cloud', 5000, 'b'],
    ],
    expected: ['5000 MASTER->BACKUP cloud-outranked peer=b', '5000 event split-brain-suspected b'],
    role: 'BACKUP',
  },
  {
    name: 'the master we declared dead, heard again, is ranked afresh',
    opts: { preempt: false },
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['tick', 4109.375], ['advert', 4200, 'b', 50], ['mark'], ['cloud', 5000, 'b']],
    // The answer to b's advert at 4200 announced already: the cloud's verdict waits out the rate limit.
    expected: ['5000 event split-brain-suspected b', '5000 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'a contested holder heard again is ranked afresh (a new episode, not a ping-pong)',
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['cloud', 5000, 'b'], ['cloud', 5100, 'a'], ['advert', 6000, 'b', 50], ['mark'], ['cloud', 7000, 'b']],
    expected: ['7000 event split-brain-suspected b', '7000 announce cloud-split peer=b', '7000 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'cloud shows a higher heard peer that we did not take over from: yield',
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['advert', 600, 'c', 150, 'BACKUP'], ['mark'], ['cloud', 5000, 'c']],
    expected: ['5000 MASTER->BACKUP cloud-outranked peer=c', '5000 event split-brain-suspected c'],
    role: 'BACKUP',
  },
  {
    name: 'a master ranks a cloud holder on its backup heartbeats: higher, yield',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 150, 'BACKUP'], ['cloud', 5000, 'b']],
    expected: ['4000 announce peer-returned peer=b', '5000 MASTER->BACKUP cloud-outranked peer=b', '5000 event split-brain-suspected b'],
    role: 'BACKUP',
  },
  {
    name: 'a master ranks a cloud holder on its backup heartbeats: lower, contest',
    inputs: [...BECOME_MASTER, ['advert', 4000, 'b', 50, 'BACKUP'], ['cloud', 5000, 'b']],
    expected: ['4000 announce peer-returned peer=b', '5000 event split-brain-suspected b', '5000 announce cloud-split peer=b', '5000 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'cloud shows a never-heard peer: equal priority assumed, a wins the tie-break: contest',
    inputs: [...BECOME_MASTER, ['cloud', 5000, 'b']],
    expected: ['5000 event split-brain-suspected b', '5000 announce cloud-split peer=b', '5000 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'cloud shows a never-heard peer: equal priority assumed, b loses the tie-break to a: yield',
    opts: { nodeId: 'b', peers: ['a', 'c'] },
    inputs: [...BECOME_MASTER, ['cloud', 5000, 'a']],
    expected: ['5000 MASTER->BACKUP cloud-outranked peer=a', '5000 event split-brain-suspected a'],
    role: 'BACKUP',
  },
  {
    name: 'cloud shows a lower heard peer: contest; clear once the cloud shows us',
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['mark'], ['cloud', 5000, 'b'], ['cloud', 6000, 'a'], ['cloud', 7000, 'a']],
    expected: ['5000 event split-brain-suspected b', '5000 announce cloud-split peer=b', '5000 reassert holder=b', '6000 event split-brain-cleared'],
    role: 'MASTER',
  },
  {
    name: 'the same holder seen again after we contested it: yield instead of ping-pong',
    inputs: [['start', 0], ['advert', 500, 'b', 50], ['mark'], ['cloud', 5000, 'b'], ['cloud', 6000, 'a'], ['cloud', 7000, 'b']],
    expected: [
      '5000 event split-brain-suspected b',
      '5000 announce cloud-split peer=b',
      '5000 reassert holder=b',
      '6000 event split-brain-cleared',
      '7000 MASTER->BACKUP cloud-outranked peer=b',
      '7000 event split-brain-suspected b',
    ],
    role: 'BACKUP',
  },
  {
    name: 'contested once per mastership: a new mastership contests again',
    inputs: [
      ['start', 0],
      ['advert', 500, 'b', 50],
      ['cloud', 5000, 'b'],
      ['advert', 5100, 'c', 150], // preempted by c...
      ['resign-from', 5200, 'c'], // ...which resigns: we claim again after skew
      ['tick', 5809.375],
      ['mark'],
      ['cloud', 5900, 'b'], // still suspected from before: no new event, and no yield; the assign is repeated
    ],
    expected: ['5900 reassert holder=b'],
    role: 'MASTER',
  },
  {
    name: 'a holder that is not a group member is contested, never yielded to',
    inputs: [...BECOME_MASTER, ['cloud', 5000, 'i-0abc'], ['cloud', 6000, 'a'], ['cloud', 7000, 'i-0abc'], ['cloud', 8000, 'i-0abc']],
    expected: [
      '5000 event split-brain-suspected i-0abc',
      '5000 announce cloud-split peer=i-0abc',
      '5000 reassert holder=i-0abc',
      '6000 event split-brain-cleared',
      '7000 event split-brain-suspected i-0abc',
      '7000 announce cloud-split peer=i-0abc',
      '7000 reassert holder=i-0abc',
      '8000 reassert holder=i-0abc',
    ],
    role: 'MASTER',
  },
  // --- re-assert: the cloud arbitrates where traffic goes ---
  {
    name: 'a master the cloud shows holding nothing re-asserts, every time it is told',
    inputs: [...BECOME_MASTER, ['cloud', 5000, null], ['cloud', 8000, null]],
    expected: ['5000 reassert holder=nobody', '8000 reassert holder=nobody'],
    role: 'MASTER',
  },
  { name: 'a master the cloud shows holding every VIP does nothing', inputs: [...BECOME_MASTER, ['cloud', 5000, 'a']], expected: [], role: 'MASTER' },
  {
    name: 'a master that yields to the holder does not re-assert',
    inputs: [['start', 0], ['advert', 500, 'b', 150], ['tick', 4109.375], ['mark'], ['cloud', 5000, 'b']],
    expected: ['5000 MASTER->BACKUP cloud-outranked peer=b', '5000 event split-brain-suspected b'],
    role: 'BACKUP',
  },
  { name: 'a backup told of nobody holding does not re-assert', inputs: [['start', 0], ['mark'], ['cloud', 100, null]], expected: [], role: 'BACKUP' },
  { name: 'a backup expects another holder', inputs: [['start', 0], ['mark'], ['cloud', 100, 'b']], expected: [], role: 'BACKUP' },
  {
    name: 'the cloud showing nobody lifts the block; claim after a full interval',
    inputs: [
      ['start', 0],
      ['advert', 500, 'b', 150],
      ['tick', 4109.375],
      ['cloud', 5000, 'b'],
      ['mark'],
      ['tick', 50000],
      ['cloud', 50000, null],
      ['tick', 53609],
      ['tick', 53609.375],
    ],
    expected: ['50000 event split-brain-cleared', ...CLAIM(53609.375, 'master-down')],
    role: 'MASTER',
  },
  {
    name: 'a resign from the blocking holder lifts the block and starts the skew timer',
    inputs: [['start', 0], ['advert', 500, 'b', 150], ['tick', 4109.375], ['cloud', 5000, 'b'], ['mark'], ['resign-from', 9000, 'b'], ['tick', 9609.375]],
    expected: ['9000 event split-brain-cleared', '9609.375 BACKUP->MASTER peer-resigned peer=b', '9609.375 send advert p=100'],
    role: 'MASTER',
  },
  {
    name: 'a blocked backup does not preempt a lower master other than the holder',
    inputs: [['start', 0], ['advert', 500, 'b', 150], ['tick', 4109.375], ['cloud', 5000, 'b'], ['mark'], ['advert', 6000, 'c', 50], ['tick', 20000]],
    expected: ['6000 event master-seen c p=50'],
    role: 'BACKUP',
  },
];

describe('ElectionCore transitions (table)', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const core = makeCore(row.opts);
    expect(run(core, row.inputs, { heartbeats: row.heartbeats === true })).toEqual(row.expected);
    expect(core.role).toBe(row.role);
  });
});

describe('re-announce deadline', () => {
  it('the shell is told to wake for a deferred announcement, and only while MASTER', () => {
    const core = makeCore({ peers: ['b', 'c'] });
    core.start(0);
    core.tick(3609.375);
    core.step({ kind: 'advert', from: 'b', priority: 50, role: 'MASTER', intervalMs: 1000 }, 4000);
    core.step({ kind: 'advert', from: 'c', priority: 60, role: 'MASTER', intervalMs: 1000 }, 4900.5);
    // The next advert is due at 5900.5; the deferred announcement at 5000 comes first.
    expect(core.nextDeadline()).toBe(5000);
    core.drain();
    core.tick(5000);
    expect(core.drain()).toEqual([{ type: 'announce', reason: 'lower-master', peer: 'c', coalesced: 0, at: 5000 }]);
    expect(core.nextDeadline()).toBe(5900.5);
  });

  it('refuses a negative or non-finite minimum interval', () => {
    expect(() => makeCore({ reannounceMinIntervalMs: -1 })).toThrow(/reannounceMinIntervalMs/);
    expect(() => makeCore({ reannounceMinIntervalMs: Number.NaN })).toThrow(/reannounceMinIntervalMs/);
  });
});

describe('owner-fault hold deadline', () => {
  it('the shell is told to wake for the end of the hold, and status shows it', () => {
    const core = makeCore({ ownerFaultHoldMs: 5000 });
    core.start(0);
    core.tick(1000);
    core.ownerFailed(1500);
    // FAULT heartbeats every interval; the hold's end (6500) is the deadline after the last of them.
    expect(core.status(1500).timers?.ownerFaultUntil).toBe(6500);
    core.tick(6000);
    expect(core.nextDeadline()).toBe(6500);
    core.tick(6500);
    expect(core.role).toBe('BACKUP');
    expect(core.status(6500).timers?.ownerFaultUntil).toBeNull();
  });

  it('refuses a hold that is not a positive number', () => {
    expect(() => makeCore({ ownerFaultHoldMs: 0 })).toThrow(/ownerFaultHoldMs/);
    expect(() => makeCore({ ownerFaultHoldMs: Number.NaN })).toThrow(/ownerFaultHoldMs/);
  });
});

describe('nopreempt listening after a stall: deadline and status', () => {
  it('the shell is told to wake for the end of the listen (the longest interval, a slower peer included), and status shows it', () => {
    const core = makeCore({ preempt: false });
    core.start(0);
    core.step({ kind: 'advert', from: 'b', priority: 50, role: 'BACKUP', intervalMs: 1500 }, 100);
    core.tick(3609.375);
    expect(core.role).toBe('MASTER');
    core.drain();
    core.noteStall(20000, 15000);
    expect(core.drain()).toEqual([]);
    expect(core.nextDeadline()).toBe(21500);
    expect(core.status(20000).timers?.listenUntil).toBe(21500);
    // A priority change while listening goes out with the advert that ends it, not before.
    core.setHealth({ penalty: -10, fault: false }, 20500);
    expect(core.drain()).toEqual([]);
    core.tick(21500);
    expect(core.drain().map((o) => (o.type === 'send' ? `send ${o.advert.role} p=${o.advert.priority}` : o.type))).toEqual(['send MASTER p=90', 'announce']);
    expect(core.status(21500).timers?.listenUntil).toBeNull();
    expect(core.nextDeadline()).toBe(22500);
  });
});

describe('reconfigure (config reload)', () => {
  const base = { nodeId: 'a', peers: ['b'], priority: 100, preempt: true, preemptDelayMs: 0, intervalMs: 100, deadAfter: 3 };

  it('keeps MASTER and announces the new priority at once', () => {
    const core = new ElectionCore(base);
    core.start(0);
    core.tick(400); // nobody heard: claims
    expect(core.role).toBe('MASTER');
    core.drain();
    core.reconfigure({ priority: 150, preempt: true, preemptDelayMs: 0, intervalMs: 200, deadAfter: 3 }, 410);
    expect(core.role).toBe('MASTER');
    const out = core.drain();
    expect(out).toEqual([{ type: 'send', advert: { kind: 'advert', priority: 150, role: 'MASTER', intervalMs: 200 } }]);
    expect(core.status(410).basePriority).toBe(150);
  });

  it('keeps BACKUP, re-arms with the new interval, and preempts on the next advert when it now outranks the master', () => {
    const core = new ElectionCore(base);
    core.start(0);
    core.step({ kind: 'advert', from: 'b', priority: 120, role: 'MASTER', intervalMs: 100 }, 50);
    expect(core.role).toBe('BACKUP');
    core.drain();
    core.reconfigure({ priority: 200, preempt: true, preemptDelayMs: 0, intervalMs: 100, deadAfter: 3 }, 60);
    expect(core.role).toBe('BACKUP');
    expect(core.drain().filter((o) => o.type === 'transition')).toEqual([]);
    core.step({ kind: 'advert', from: 'b', priority: 120, role: 'MASTER', intervalMs: 100 }, 150);
    expect(core.role).toBe('MASTER');
  });

  it('refuses invalid settings and changes nothing', () => {
    const core = new ElectionCore(base);
    core.start(0);
    expect(() => core.reconfigure({ priority: 300, preempt: true, preemptDelayMs: 0, intervalMs: 100, deadAfter: 3 }, 10)).toThrow();
    expect(core.status(10).basePriority).toBe(100);
  });
});
