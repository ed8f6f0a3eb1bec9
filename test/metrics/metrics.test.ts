import fc from 'fast-check';
import { register as globalRegistry } from 'prom-client';
import type { Role } from '../../src/election/types';
import { VipdError } from '../../src/errors';
import { AWS_OPERATIONS } from '../../src/cloud/aws/operations';
import { CLOUD_OUTCOMES, cloudOutcome } from '../../src/metrics/cloud-outcome';
import { VipdMetrics, type VipdMetricsOptions } from '../../src/metrics/metrics';
import { STATE_VALUE } from '../../src/metrics/state-encoding';
import type { RuntimeMetrics } from '../../src/runtime/ports';

const ROLES: Role[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

function make(over: Partial<VipdMetricsOptions> = {}): VipdMetrics {
  return new VipdMetrics({
    version: '1.2.3',
    groups: ['web', 'db'],
    rejectReasons: ['bad-signature', 'replay', 'unknown-peer'],
    provider: 'aws',
    cloudOperations: AWS_OPERATIONS,
    peers: { web: ['n2'] },
    processMetrics: false,
    ...over,
  });
}

async function value(m: VipdMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const hit = data.values.find(
    (v) =>
      !('metricName' in v && typeof v.metricName === 'string' && v.metricName !== name) &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return hit?.value;
}

async function histogramCount(m: VipdMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const hit = data.values.find(
    (v) =>
      'metricName' in v &&
      v.metricName === `${name}_count` &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return hit?.value;
}

describe('VipdMetrics', () => {
  it('is structurally the runtime port', () => {
    const port: RuntimeMetrics = make();
    expect(typeof port.transition).toBe('function');
  });

  it('registers on its own registry, never the global one', async () => {
    const m = make();
    expect(globalRegistry.getSingleMetric('vipd_state')).toBeUndefined();
    expect(m.registry.getSingleMetric('vipd_state')).toBeDefined();
    // A second instance in the same process must not collide (duplicate registration throws).
    expect(() => make()).not.toThrow();
    expect(await m.exposition()).toContain('vipd_build_info{version="1.2.3"} 1');
  });

  it('starts labelled counters at 0 for every configured group and reject reason', async () => {
    const m = make();
    for (const group of ['web', 'db']) {
      expect(await value(m, 'vipd_state', { group })).toBe(STATE_VALUE.INIT);
      expect(await value(m, 'vipd_become_master_total', { group })).toBe(0);
      expect(await value(m, 'vipd_release_master_total', { group })).toBe(0);
      expect(await value(m, 'vipd_adverts_sent_total', { group })).toBe(0);
      expect(await value(m, 'vipd_adverts_received_total', { group })).toBe(0);
      expect(await value(m, 'vipd_os_repairs_total', { group })).toBe(0);
      expect(await value(m, 'vipd_hook_failures_total', { group })).toBe(0);
      expect(await value(m, 'vipd_split_brain_suspected', { group })).toBe(0);
      expect(await value(m, 'vipd_transitions_total', { group, from: 'BACKUP', to: 'MASTER' })).toBe(0);
      expect(await histogramCount(m, 'vipd_failover_total_seconds', { group })).toBe(0);
    }
    for (const reason of ['bad-signature', 'replay', 'unknown-peer', 'other']) {
      expect(await value(m, 'vipd_heartbeats_rejected_total', { reason })).toBe(0);
    }
    for (const operation of AWS_OPERATIONS) {
      for (const outcome of CLOUD_OUTCOMES) {
        expect(await value(m, 'vipd_cloud_requests_total', { provider: 'aws', operation, outcome })).toBe(0);
      }
    }
    // A configured peer that was never heard reads as "seen at epoch", so a
    // peer-silent alert fires for a peer that never shows up.
    expect(await value(m, 'vipd_peer_last_seen_timestamp_seconds', { group: 'web', peer: 'n2' })).toBe(0);
  });

  it('keeps the keepalived state encoding and counts become/release master on transitions', async () => {
    const m = make();
    m.transition('web', 'INIT', 'BACKUP');
    expect(await value(m, 'vipd_state', { group: 'web' })).toBe(1);
    m.transition('web', 'BACKUP', 'MASTER');
    expect(await value(m, 'vipd_state', { group: 'web' })).toBe(2);
    expect(await value(m, 'vipd_become_master_total', { group: 'web' })).toBe(1);
    m.transition('web', 'MASTER', 'FAULT');
    expect(await value(m, 'vipd_state', { group: 'web' })).toBe(3);
    expect(await value(m, 'vipd_release_master_total', { group: 'web' })).toBe(1);
    m.transition('web', 'FAULT', 'STOP');
    expect(await value(m, 'vipd_state', { group: 'web' })).toBe(98);
    expect(await value(m, 'vipd_transitions_total', { group: 'web', from: 'BACKUP', to: 'MASTER' })).toBe(1);
    expect(await value(m, 'vipd_transitions_total', { group: 'web', from: 'MASTER', to: 'FAULT' })).toBe(1);
    // The other group is untouched.
    expect(await value(m, 'vipd_state', { group: 'db' })).toBe(0);
    expect(await value(m, 'vipd_become_master_total', { group: 'db' })).toBe(0);
  });

  it('agrees with any transition sequence: state = last target, counters = entries into / exits from MASTER', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 30 }), async (targets) => {
        const m = make();
        let current: Role = 'INIT';
        let became = 0;
        let released = 0;
        let changes = 0;
        for (const to of targets) {
          m.transition('web', current, to);
          if (to !== current) {
            changes++;
            if (to === 'MASTER') became++;
            if (current === 'MASTER') released++;
          }
          current = to;
        }
        expect(await value(m, 'vipd_state', { group: 'web' })).toBe(STATE_VALUE[current]);
        expect(await value(m, 'vipd_become_master_total', { group: 'web' })).toBe(became);
        expect(await value(m, 'vipd_release_master_total', { group: 'web' })).toBe(released);
        const all = await m.registry.getSingleMetric('vipd_transitions_total')?.get();
        const sum = (all?.values ?? []).filter((v) => v.labels.group === 'web').reduce((a, v) => a + v.value, 0);
        expect(sum).toBe(changes);
      }),
      { numRuns: 50 },
    );
  });

  it('folds unknown reject reasons into "other" so packets cannot mint label values', async () => {
    const m = make();
    m.heartbeatRejected('replay');
    m.heartbeatRejected('attacker-chosen-string-1');
    m.heartbeatRejected('attacker-chosen-string-2');
    expect(await value(m, 'vipd_heartbeats_rejected_total', { reason: 'replay' })).toBe(1);
    expect(await value(m, 'vipd_heartbeats_rejected_total', { reason: 'other' })).toBe(2);
    expect(await m.exposition()).not.toContain('attacker-chosen');
  });

  it('has no cloud series at all with provider none, failovers and cloud calls included', async () => {
    const m = make({ provider: 'none', cloudOperations: [] });
    m.failover('web', { detectionMs: 350, cloudMs: 0, osMs: 15, totalMs: 400 }, 'master-down');
    const text = await m.exposition();
    expect(text).not.toMatch(/^vipd_(cloud_|failover_cloud_)/m);
    expect(await histogramCount(m, 'vipd_failover_os_configure_seconds', { group: 'web' })).toBe(1);
  });

  it('records failover phases in seconds and skips detection/total when no master died', async () => {
    const m = make();
    m.failover('web', { detectionMs: 350, cloudMs: 1200, osMs: 15, totalMs: 1600 }, 'peer-refused');
    m.failover('web', { detectionMs: null, cloudMs: 900, osMs: 10, totalMs: null }, 'reassert');
    expect(await histogramCount(m, 'vipd_failover_detection_seconds', { group: 'web', reason: 'peer-refused' })).toBe(1);
    expect(await histogramCount(m, 'vipd_failover_cloud_acquire_seconds', { group: 'web' })).toBe(2);
    expect(await histogramCount(m, 'vipd_failover_os_configure_seconds', { group: 'web' })).toBe(2);
    expect(await histogramCount(m, 'vipd_failover_total_seconds', { group: 'web' })).toBe(1);
    const text = await m.exposition();
    expect(text).toContain('vipd_failover_detection_seconds_sum{group="web",reason="peer-refused"} 0.35');
    expect(text).toContain('vipd_failover_total_seconds_bucket{le="2",group="web"} 1');
    expect(text).toContain('vipd_failover_total_seconds_bucket{le="1",group="web"} 0');
    // ms-scale buckets exist where the phase is ms-scale.
    expect(text).toContain('vipd_failover_os_configure_seconds_bucket{le="0.001",group="web"}');
  });

  it('sets gauges for priority, peers, trackers, cloud match, split brain', async () => {
    const m = make();
    m.setPriority('web', 150, 130);
    m.peerSeen('web', 'n2', 1_700_000_000.5);
    m.setTrackers('web', [{ name: 'nginx', up: false }]);
    m.cloudAssignmentMatch('web', true);
    m.splitBrainSuspected('web', true);
    m.osRepairs('web', 2);
    m.osRepairs('web', 0);
    m.hookFailed('web');
    m.advertSent('web');
    m.advertReceived('web');
    m.eventLoopLag(0.2);
    m.cloudRequest('AssignPrivateIpAddresses', cloudOutcome(new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true })), 0.4);
    expect(await value(m, 'vipd_priority', { group: 'web' })).toBe(150);
    expect(await value(m, 'vipd_effective_priority', { group: 'web' })).toBe(130);
    expect(await value(m, 'vipd_peer_last_seen_timestamp_seconds', { group: 'web', peer: 'n2' })).toBe(1_700_000_000.5);
    expect(await value(m, 'vipd_tracker_up', { group: 'web', tracker: 'nginx' })).toBe(0);
    expect(await value(m, 'vipd_cloud_assignment_match', { group: 'web' })).toBe(1);
    expect(await value(m, 'vipd_split_brain_suspected', { group: 'web' })).toBe(1);
    expect(await value(m, 'vipd_os_repairs_total', { group: 'web' })).toBe(2);
    expect(await value(m, 'vipd_hook_failures_total', { group: 'web' })).toBe(1);
    expect(await value(m, 'vipd_adverts_sent_total', { group: 'web' })).toBe(1);
    expect(await value(m, 'vipd_adverts_received_total', { group: 'web' })).toBe(1);
    expect(await value(m, 'vipd_cloud_requests_total', { provider: 'aws', operation: 'AssignPrivateIpAddresses', outcome: 'throttled' })).toBe(1);
    const text = await m.exposition();
    expect(text).toContain('vipd_event_loop_lag_seconds_count 1');
    expect(text).toContain('vipd_cloud_request_duration_seconds_count{provider="aws",operation="AssignPrivateIpAddresses"} 1');
  });

  it("tracker series follow the configured trackers: a removed tracker's series goes away", async () => {
    const m = make();
    m.setTrackers('web', [
      { name: 'nginx', up: true },
      { name: 'disk', up: false },
    ]);
    expect(await value(m, 'vipd_tracker_up', { group: 'web', tracker: 'disk' })).toBe(0);
    m.setTrackers('web', [{ name: 'nginx', up: false }]);
    expect(await value(m, 'vipd_tracker_up', { group: 'web', tracker: 'nginx' })).toBe(0);
    expect(await m.exposition()).not.toContain('tracker="disk"');
  });

  it('removes every series of a group a reload dropped, and starts a new one at zero', async () => {
    const m = make();
    m.transition('web', 'INIT', 'MASTER');
    m.setTrackers('web', [{ name: 'nginx', up: true }]);
    m.peerSeen('web', 'n2', 5);
    m.setPriority('web', 100, 100);
    m.removeGroup('web');
    const text = await m.exposition();
    expect(text).not.toMatch(/group="web"/);
    expect(text).toMatch(/vipd_state\{group="db"\} 0/);
    m.addGroup('api', ['n3'], { id: 7, interface: 'eth1', vips: ['10.0.0.7', 'fd00::7'] });
    expect(await value(m, 'vipd_vip_info', { group: 'api', id: '7', interface: 'eth1', vip: 'fd00::7' })).toBe(1);
    expect(await value(m, 'vipd_become_master_total', { group: 'api' })).toBe(0);
    m.removeGroup('api');
    expect(await m.exposition()).not.toMatch(/vipd_vip_info\{/);
    m.addGroup('api', ['n3']);
    expect(await value(m, 'vipd_peer_last_seen_timestamp_seconds', { group: 'api', peer: 'n3' })).toBe(0);
  });

  it('re-announcements: every reason starts at 0, each one counts under its reason with its time; a removed group takes them along', async () => {
    const m = make();
    for (const reason of ['lower-master', 'peer-returned', 'peer-stepped-down', 'stall', 'cloud-split']) {
      expect(await value(m, 'vipd_reannounce_total', { group: 'web', reason })).toBe(0);
    }
    expect(await value(m, 'vipd_last_reannounce_timestamp_seconds', { group: 'web' })).toBe(0);
    m.reannounce('web', 'lower-master', 1_700_000_000);
    m.reannounce('web', 'lower-master', 1_700_000_005);
    m.reannounce('web', 'stall', 1_700_000_009);
    expect(await value(m, 'vipd_reannounce_total', { group: 'web', reason: 'lower-master' })).toBe(2);
    expect(await value(m, 'vipd_reannounce_total', { group: 'web', reason: 'stall' })).toBe(1);
    expect(await value(m, 'vipd_reannounce_total', { group: 'db', reason: 'stall' })).toBe(0);
    expect(await value(m, 'vipd_last_reannounce_timestamp_seconds', { group: 'web' })).toBe(1_700_000_009);
    m.removeGroup('web');
    expect(await m.exposition()).not.toMatch(/vipd_(reannounce_total|last_reannounce_timestamp_seconds)\{[^}]*group="web"/);
  });

  it('follows the naming conventions: vipd_ prefix, _total counters, base units, no colons', () => {
    const m = make();
    const metrics = m.registry.getMetricsAsArray();
    expect(metrics.length).toBeGreaterThan(20);
    for (const metric of metrics) {
      expect(metric.name).toMatch(/^vipd_[a-z0-9_]+$/);
      if (String(metric.type) === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (String(metric.type) === 'histogram') expect(metric.name).toMatch(/_seconds$/);
      expect(metric.name).not.toMatch(/_(ms|milliseconds)$/);
    }
  });

  it('adds the default process metrics to its own registry', async () => {
    const m = make({ processMetrics: true });
    const text = await m.exposition();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('cloudOutcome', () => {
  it('maps cloud error codes to bounded outcomes and everything else to other', () => {
    expect(cloudOutcome()).toBe('ok');
    expect(cloudOutcome(new VipdError('VIPD_E_CLOUD_PERMISSION', 'no'))).toBe('permission');
    expect(cloudOutcome(new VipdError('VIPD_E_CLOUD_UNAVAILABLE', '503', { transient: true }))).toBe('unavailable');
    expect(cloudOutcome(new VipdError('VIPD_E_METADATA', 'imds'))).toBe('metadata');
    expect(cloudOutcome(new VipdError('VIPD_E_INTERNAL', 'bug'))).toBe('other');
    expect(cloudOutcome(new Error('raw'))).toBe('other');
    expect(cloudOutcome('string')).toBe('other');
  });
});
