import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROVIDERS, createProvider, providerOperations } from '../../src/cloud/registry';
import { OCI_OPERATIONS } from '../../src/cloud/oci/operations';
import { AWS_OPERATIONS } from '../../src/cloud/aws/operations';
import { GCP_OPERATIONS } from '../../src/cloud/gcp/operations';
import { processClock } from '../../src/util/clock';
import { silentLogger } from '../../src/util/logger';
import { ensureBuilt } from '../support/build';
import { baseConfig, load, makeFixture, type Fixture } from '../config/helpers';

const ROOT = join(__dirname, '..', '..');

/**
 * Builds the owner for a config in a fresh node process (dist/, so the
 * module cache is Node's own, not jest's) and prints which SDK modules got
 * loaded: a plain L2 daemon must never load the AWS SDK.
 */
const CHILD = `
const { buildOwner } = require(${JSON.stringify(join(ROOT, 'dist/src/owner/factory.js'))});
const { silentLogger } = require(${JSON.stringify(join(ROOT, 'dist/src/util/logger.js'))});
const { processClock } = require(${JSON.stringify(join(ROOT, 'dist/src/util/clock.js'))});
const { realTimers } = require(${JSON.stringify(join(ROOT, 'dist/src/util/timers.js'))});
const config = JSON.parse(process.env.VIPD_TEST_CONFIG);
const runner = { run: async () => { throw new Error('no commands in this test'); } };
buildOwner(config, { runner, logger: silentLogger(), dryRun: false, metrics: { cloudRequest() {} }, clock: processClock, timers: realTimers, random: Math.random })
  .then((owner) => {
    const sdk = Object.keys(require.cache).filter((k) => k.includes('/node_modules/@aws-sdk/'));
    const google = Object.keys(require.cache).filter((k) => k.includes('/node_modules/@google-cloud/'));
    process.stdout.write(JSON.stringify({ owner: owner.constructor.name, awsSdkModules: sdk.length, googleSdkModules: google.length }));
  })
  .catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(2); });
`;

describe('provider registry', () => {
  let fx: Fixture;
  beforeAll(() => ensureBuilt());
  beforeEach(() => {
    fx = makeFixture();
  });
  afterEach(() => fx.cleanup());

  async function ownerInChild(provider: Record<string, unknown>): Promise<{ owner: string; awsSdkModules: number; googleSdkModules: number }> {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = provider;
    doc['os'] = { arp: { sender: 'arping' } };
    const config = load(fx, doc);
    const out = await promisify(execFile)(process.execPath, ['-e', CHILD], {
      env: { ...process.env, VIPD_TEST_CONFIG: JSON.stringify(config) },
      timeout: 60_000,
    });
    return JSON.parse(out.stdout) as { owner: string; awsSdkModules: number; googleSdkModules: number };
  }

  it('plain L2 (provider none) builds its owner without loading @aws-sdk; provider aws loads it (the check can see it)', async () => {
    expect(await ownerInChild({ type: 'none' })).toEqual({ owner: 'CloudOsOwner', awsSdkModules: 0, googleSdkModules: 0 });
    const aws = await ownerInChild({ type: 'aws', aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', metadataEndpoint: 'http://127.0.0.1:9' } });
    expect(aws.owner).toBe('CloudOsOwner');
    expect(aws.awsSdkModules).toBeGreaterThan(0);
    expect(aws.googleSdkModules).toBe(0);
    const gcp = await ownerInChild({ type: 'gcp', gcp: { endpoint: 'http://127.0.0.1:9', metadataEndpoint: 'http://127.0.0.1:9', peers: ['vipd-b'] } });
    expect(gcp).toEqual({ owner: 'CloudOsOwner', awsSdkModules: 0, googleSdkModules: expect.any(Number) });
    expect(gcp.googleSdkModules).toBeGreaterThan(0);
  });

  it('no cloud is no provider at all, not one that pretends', async () => {
    const doc = baseConfig(fx.keyFile);
    expect(await createProvider({ config: load(fx, doc), logger: silentLogger(), clock: processClock })).toBeNull();
    expect(providerOperations('none')).toEqual([]);
  });

  it('a cloud is one line: aws, oci and gcp are registered with the API operations they send; an unknown type is refused by the config', async () => {
    expect(Object.keys(PROVIDERS)).toEqual(['aws', 'oci', 'gcp']);
    expect(providerOperations('aws')).toEqual(AWS_OPERATIONS);
    expect(providerOperations('oci')).toEqual(OCI_OPERATIONS);
    expect(providerOperations('gcp')).toEqual(GCP_OPERATIONS);
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = { type: 'azure' };
    expect(() => load(fx, doc)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringContaining('provider.type') }));
  });

  it('creates the AWS adapter through the registry (the SDK loaded on demand)', async () => {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = { type: 'aws', aws: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', metadataEndpoint: 'http://127.0.0.1:9' } };
    const provider = await createProvider({ config: load(fx, doc), logger: silentLogger(), clock: processClock });
    expect(provider?.name).toBe('aws');
  });

  it('creates the OCI adapter through the registry (the SDK loaded on demand)', async () => {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = {
      type: 'oci',
      oci: { endpoint: 'http://127.0.0.1:9', metadataEndpoint: 'http://127.0.0.1:9', federationEndpoint: 'http://127.0.0.1:9' },
    };
    const provider = await createProvider({ config: load(fx, doc), logger: silentLogger(), clock: processClock });
    expect(provider?.name).toBe('oci');
  });

  it('creates the GCP adapter through the registry; peers given as names or {instance, zone} load with the zone defaulted', async () => {
    const doc = baseConfig(fx.keyFile);
    doc['provider'] = {
      type: 'gcp',
      gcp: { endpoint: 'http://127.0.0.1:9', metadataEndpoint: 'http://127.0.0.1:9', peers: ['vipd-b', { instance: 'vipd-c', zone: 'europe-west1-c' }] },
    };
    const config = load(fx, doc);
    expect(config.provider.gcp.peers).toEqual([
      { instance: 'vipd-b', zone: null },
      { instance: 'vipd-c', zone: 'europe-west1-c' },
    ]);
    const provider = await createProvider({ config, logger: silentLogger(), clock: processClock });
    expect(provider?.name).toBe('gcp');
    doc['provider'] = { type: 'gcp', gcp: { peers: [{ instance: 'Bad_Name' }] } };
    expect(() => load(fx, doc)).toThrow(expect.objectContaining({ code: 'VIPD_E_CONFIG', message: expect.stringContaining('peers') }));
  });
});
