import { OciImdsClient } from '../../../src/cloud/oci/imds';
import { OciProvider } from '../../../src/cloud/oci/provider';
import { CloudMover } from '../../../src/cloud/mover';
import type { CloudCallContext, CloudVip } from '../../../src/cloud/provider';
import type { OciProviderConfig } from '../../../src/config/types';
import { VipdError } from '../../../src/errors';
import { processClock } from '../../../src/util/clock';
import { silentLogger } from '../../../src/util/logger';
import { realTimers } from '../../../src/util/timers';
import { NODE1, NODE2, VIPS, startOciLab, type RunningOciLab } from '../../lab/cloud/oci/fixtures';
import { rejection } from '../../support/rejection';

const PUBLIC = 'ocid1.publicip.oc1.iad.aaaalabpublic1';
const UNKNOWN = 'ocid1.publicip.oc1.iad.aaaanosuchpublic';
/** Long enough that real time passing during the test never completes an assignment: only the polls' sleeps do. */
const ASSIGN_DELAY_MS = 60_000;
const POLL_MS = 20_000;
const vips = (...addresses: string[]): CloudVip[] => addresses.map((address) => ({ address }));
const call = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: processClock.nowMs() + 20_000 });
const MACS: Record<string, Record<string, string>> = { [NODE1.source]: { eth1: NODE1.mac }, [NODE2.source]: { eth0: NODE2.mac } };

/**
 * The reserved public IP of a VIP, through the real oci-core SDK against
 * the lab cloud. The emulator's wall clock is the test's: each poll's
 * sleep advances it by the poll interval, so "ASSIGNING, then ASSIGNED
 * after the delay" is observed in exact steps, without waiting.
 */
describe('OciProvider: a reserved public IP follows the VIP', () => {
  let lab: RunningOciLab;
  let skewMs = 0;
  /** The public IP's state the emulator would answer at each poll's sleep. */
  let seenWhileSleeping: string[] = [];
  afterEach(async () => {
    await lab.stop();
  });

  async function start(patch: (s: Record<string, unknown>) => void = () => undefined): Promise<void> {
    skewMs = 0;
    seenWhileSleeping = [];
    lab = await startOciLab(
      (s) => {
        s.publicIps = [{ id: PUBLIC, ipAddress: '203.0.113.10' }];
        s.publicIpAssignDelayMs = ASSIGN_DELAY_MS;
        patch(s);
      },
      {},
      () => Date.now() + skewMs,
    );
  }

  function provider(node: typeof NODE1 | typeof NODE2, publicIpId = PUBLIC, sleep?: (ms: number) => Promise<void>): OciProvider {
    const config: OciProviderConfig = {
      auth: 'api_key',
      region: null,
      endpoint: lab.endpoints.apiUrl,
      metadataEndpoint: lab.endpoints.imdsUrl,
      federationEndpoint: lab.endpoints.apiUrl,
      configFile: node === NODE1 ? lab.configFile.node1 : lab.configFile.node2,
      profile: 'DEFAULT',
    };
    return new OciProvider({
      interfaceName: node === NODE1 ? 'eth1' : 'eth0',
      config,
      logger: silentLogger(),
      imds: new OciImdsClient({ baseUrl: lab.endpoints.imdsUrl, localAddress: node.source }),
      macOf: async (name) => MACS[node.source]![name]!,
      reservedPublicIps: new Map([[VIPS[0], publicIpId]]),
      publicIpPollMs: POLL_MS,
      sleep:
        sleep ??
        (async (ms) => {
          seenWhileSleeping.push(lab.cloud.flavour.model.publicIpState(lab.cloud.flavour.model.publicIp(PUBLIC)));
          skewMs += ms;
        }),
    });
  }

  function mover(p: OciProvider): CloudMover {
    return new CloudMover({
      provider: p,
      clock: processClock,
      timers: realTimers,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      logger: silentLogger(),
      confirmPollMs: 50,
      baseDelayMs: 20,
      maxDelayMs: 100,
    });
  }

  const actions = (): string[] => lab.cloud.calls.ec2().map((c) => c.action);
  const publicIp = () => lab.cloud.flavour.model.publicIp(PUBLIC);
  const privateIpOf = (ip: string) => lab.cloud.flavour.model.listByAddress(ip, lab.cloud.flavour.model.vnic(NODE1.vnic).subnetId)[0];

  it('a private IP vipd creates gets the public IP: one UpdatePublicIp, then GetPublicIp polls while ASSIGNING, until ASSIGNED', async () => {
    await start();
    await mover(provider(NODE1)).acquire(vips(VIPS[0]), processClock.nowMs() + 20_000);
    const created = privateIpOf(VIPS[0])!;
    expect(created.vnicId).toBe(NODE1.vnic);
    expect(publicIp().privateIpId).toBe(created.id);
    expect(lab.cloud.flavour.model.publicIpState(publicIp())).toBe('ASSIGNED');
    // 60 s of ASSIGNING, polled every 20 s: three polls, the last one sees ASSIGNED.
    expect(seenWhileSleeping).toEqual(['ASSIGNING', 'ASSIGNING', 'ASSIGNING']);
    const sequence = actions().filter((a) => a !== 'ListPrivateIps' && a !== 'GetVnic');
    expect(sequence).toEqual(['CreatePrivateIp', 'UpdatePublicIp', 'GetPublicIp', 'GetPublicIp', 'GetPublicIp']);
    const update = lab.cloud.calls.ec2().find((c) => c.action === 'UpdatePublicIp')!;
    expect(update).toMatchObject({ caller: NODE1.user, status: 200, params: { id: PUBLIC } });
    expect(JSON.parse(update.body)).toEqual({ privateIpId: created.id });
  });

  it('a private IP that moves keeps its public IP: UpdatePrivateIp only, no public IP call', async () => {
    await start((s) => {
      s.vnics = (s.vnics as Record<string, unknown>[]).map((v) => (v.id === NODE2.vnic ? { ...v, privateIps: [NODE2.primary, VIPS[0]] } : v));
      s.publicIps = [{ id: PUBLIC, ipAddress: '203.0.113.10', assignedTo: VIPS[0] }];
    });
    const before = publicIp().privateIpId;
    await mover(provider(NODE1)).acquire(vips(VIPS[0]), processClock.nowMs() + 20_000);
    expect(privateIpOf(VIPS[0])).toMatchObject({ id: before, vnicId: NODE1.vnic });
    expect(publicIp().privateIpId).toBe(before);
    expect(actions()).toContain('UpdatePrivateIp');
    expect(actions().filter((a) => a.includes('PublicIp'))).toEqual([]);
  });

  it('an unknown public IP OCID is a permanent VIPD_E_CLOUD_PERMISSION naming the public IP policy, after one UpdatePublicIp', async () => {
    await start();
    const e = await rejection(mover(provider(NODE1, UNKNOWN)).acquire(vips(VIPS[0]), processClock.nowMs() + 20_000));
    expect(e).toMatchObject({
      code: 'VIPD_E_CLOUD_PERMISSION',
      transient: false,
      details: { operation: 'UpdatePublicIp', httpStatus: 404, serviceCode: 'NotAuthorizedOrNotFound' },
    });
    expect((e as VipdError).message).toContain('manage public-ips');
    expect((e as VipdError).message).toContain('reservedPublicIpId');
    expect(actions().filter((a) => a.includes('PublicIp'))).toEqual(['UpdatePublicIp']);
  });

  it('a VIP already here whose public IP is elsewhere gets it back (a retry after a dropped assignment); one already there costs one GetPublicIp', async () => {
    await start((s) => {
      s.vnics = (s.vnics as Record<string, unknown>[]).map((v) => (v.id === NODE1.vnic ? { ...v, privateIps: [NODE1.primary, VIPS[0]] } : v));
      s.publicIpAssignDelayMs = 0;
    });
    const p1 = provider(NODE1);
    await p1.assign(vips(VIPS[0]), call());
    expect(publicIp().privateIpId).toBe(privateIpOf(VIPS[0])!.id);
    expect(actions().filter((a) => a.includes('PublicIp'))).toEqual(['GetPublicIp', 'UpdatePublicIp']);
    lab.cloud.calls.clear();
    await p1.assign(vips(VIPS[0]), call());
    expect(actions().filter((a) => a.includes('PublicIp'))).toEqual(['GetPublicIp']);
  });

  it('the wait for ASSIGNED ends with the call context: its typed reason, not a hang', async () => {
    await start();
    const controller = new AbortController();
    let polls = 0;
    // Real time only: the 60 s delay never passes, so the poll would go on for ever.
    const p1 = provider(NODE1, PUBLIC, async () => {
      if (++polls === 3) controller.abort(new VipdError('VIPD_E_CLOUD_DEADLINE', 'cloud acquire did not finish before its deadline'));
      await new Promise((r) => setTimeout(r, 1));
    });
    const e = await rejection(p1.assign(vips(VIPS[0]), { signal: controller.signal, deadlineAt: processClock.nowMs() + 20_000 }));
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_DEADLINE' });
    expect(lab.cloud.flavour.model.publicIpState(publicIp())).toBe('ASSIGNING');
  });

  it('describe reports the public IP: its address, state and private IP; an unknown OCID fails with the policy fix', async () => {
    await start((s) => {
      s.vnics = (s.vnics as Record<string, unknown>[]).map((v) => (v.id === NODE1.vnic ? { ...v, privateIps: [NODE1.primary, VIPS[0]] } : v));
      s.publicIps = [{ id: PUBLIC, ipAddress: '203.0.113.10', assignedTo: VIPS[0] }];
    });
    const ok = (await provider(NODE1).describe(call())).checks.find((c) => c.check === `reserved public IP of ${VIPS[0]}`);
    expect(ok).toMatchObject({ status: 'pass', detail: `${PUBLIC} (203.0.113.10) is ASSIGNED, on private IP ${privateIpOf(VIPS[0])!.id}` });
    const bad = (await provider(NODE1, UNKNOWN).describe(call())).checks.find((c) => c.check === `reserved public IP of ${VIPS[0]}`);
    expect(bad).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('NotAuthorizedOrNotFound'),
      fix: expect.stringContaining('manage public-ips'),
    });
  });
});
