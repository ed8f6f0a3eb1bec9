import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImdsClient } from '../../../src/cloud/aws/imds';
import { AwsProvider } from '../../../src/cloud/aws/provider';
import type { CloudCallContext, CloudVip } from '../../../src/cloud/provider';
import { VipdError } from '../../../src/errors';
import { processClock } from '../../../src/util/clock';
import { silentLogger } from '../../../src/util/logger';
import { evaluateIam, parseIamPolicy } from '../../../lab/cloud/aws/iam-policy';
import { EIP, NODE1, NODE2, REGION, VIPS, labSpec, startLab, type RunningLab } from '../../lab/cloud/fixtures';
import { rejection } from '../../support/rejection';

const DOCS = join(__dirname, '..', '..', '..', 'docs', 'clouds', 'aws.md');
const ACCOUNT = '123456789012';

/** The policy JSON of docs/clouds/aws.md's least-privilege section, as an operator copies it. */
function documentedPolicyText(): string {
  const md = readFileSync(DOCS, 'utf8');
  const section = md.slice(md.indexOf('## Least-privilege IAM'));
  const m = /```json\n([\s\S]*?)\n```/.exec(section);
  if (m === null) throw new Error('docs/clouds/aws.md: no ```json block in the least-privilege section');
  return m[1]!;
}

/** What the docs tell the operator to replace: region, account, the pair's ENI ids, the allocation id. */
function forThisLab(text: string): unknown {
  return JSON.parse(
    text
      .replaceAll('eu-west-1', REGION)
      .replaceAll('123456789012', ACCOUNT)
      .replaceAll('eni-0aaaaaaaaaaaaaaaa', NODE1.eni)
      .replaceAll('eni-0bbbbbbbbbbbbbbbb', NODE2.eni)
      .replaceAll('eipalloc-0123456789abcdef0', EIP.allocationId),
  );
}

const vips = (...addresses: string[]): CloudVip[] => addresses.map((address) => ({ address }));
const call = (): CloudCallContext => ({ signal: new AbortController().signal, deadlineAt: processClock.nowMs() + 20_000 });

describe('the IAM policy of docs/clouds/aws.md, evaluated by the emulated EC2 on action and resource ARN', () => {
  let lab: RunningLab | null = null;
  afterEach(async () => {
    await lab?.stop();
    lab = null;
  });

  async function start(policy: unknown): Promise<RunningLab> {
    lab = await startLab(
      labSpec((s) => {
        for (const inst of s.instances as Record<string, unknown>[]) if (inst.id === NODE1.id || inst.id === NODE2.id) inst.policy = policy;
      }),
    );
    return lab;
  }

  function provider(l: RunningLab, source: string, mac: string): AwsProvider {
    return new AwsProvider({
      interfaceName: 'vip0',
      elasticIps: new Map([[VIPS[0], EIP.allocationId]]),
      config: { region: null, endpoint: l.endpoints.apiUrl, metadataEndpoint: l.endpoints.imdsUrl },
      logger: silentLogger(),
      macOf: async () => mac,
      imds: new ImdsClient({ baseUrl: l.endpoints.imdsUrl, localAddress: source, clock: processClock, timeoutMs: 1_000 }),
    });
  }

  it('allows every call vipd makes: the move with its Elastic IP both ways, the holder lookup and doctor', async () => {
    const l = await start(forThisLab(documentedPolicyText()));
    const n1 = provider(l, NODE1.source, NODE1.mac);
    const n2 = provider(l, NODE2.source, NODE2.mac);
    await n1.assign(vips(VIPS[0]), call());
    await n2.assign(vips(VIPS[0]), call());
    expect((await n1.holders(vips(VIPS[0]), call())).get(VIPS[0])).toMatchObject({ kind: 'other' });
    const facts = await n2.describe(call());
    expect(facts.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    const calls = l.cloud.calls.ec2();
    expect(new Set(calls.map((c) => c.action))).toEqual(
      new Set(['AssignPrivateIpAddresses', 'DescribeAddresses', 'AssociateAddress', 'DescribeNetworkInterfaces', 'DescribeNetworkInterfaceAttribute']),
    );
    expect(calls.filter((c) => c.result !== 'ok')).toEqual([]);
    expect(l.cloud.flavour.model.eips.find((e) => e.allocationId === EIP.allocationId)?.association?.eniId).toBe(NODE2.eni);
  });

  it.each([
    [
      'the ENI resource type misspelt',
      (t: string) => t.replaceAll(':network-interface/', ':network-interfaces/'),
      'AssignPrivateIpAddresses',
      `network-interface/${NODE1.eni}`,
    ],
    [
      'the Elastic IP ARN in the form of another resource type',
      (t: string) => t.replace(':elastic-ip/', ':eip/'),
      'AssociateAddress',
      `elastic-ip/${EIP.allocationId}`,
    ],
    [
      'the ENIs missing from the association statement',
      (t: string) => t.replace(/("arn:aws:ec2:[^"]*elastic-ip\/[^"]*"),[\s\S]*?\]/, '$1]'),
      'AssociateAddress',
      `network-interface/${NODE1.eni}`,
    ],
    ['the account id left out of the ARNs', (t: string) => t.replaceAll(':123456789012:', '::'), 'AssignPrivateIpAddresses', `network-interface/${NODE1.eni}`],
  ])('a policy with %s fails the move with UnauthorizedOperation naming the resource', async (_label, mutate, action, resource) => {
    const l = await start(forThisLab(mutate(documentedPolicyText())));
    const e = await rejection(provider(l, NODE1.source, NODE1.mac).assign(vips(VIPS[0]), call()));
    expect(e).toBeInstanceOf(VipdError);
    expect(e.code).toBe('VIPD_E_CLOUD_PERMISSION');
    const refused = l.cloud.calls.ec2().filter((c) => c.result === 'UnauthorizedOperation');
    expect(refused.map((c) => c.action)).toEqual([action]);
    expect(e.message).toContain(`arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`);
  });
});

describe('evaluateIam', () => {
  const policy = parseIamPolicy({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      { Effect: 'Allow', Action: ['ec2:AssignPrivateIpAddresses'], Resource: 'arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0a*' },
      { Effect: 'Deny', Action: 'ec2:*', Resource: 'arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0a9' },
    ],
  });
  const eni = (id: string): string => `arn:aws:ec2:eu-west-1:123456789012:network-interface/${id}`;

  it('matches actions case-insensitively with wildcards, and resources by ARN pattern', () => {
    expect(evaluateIam(policy, 'ec2:describenetworkinterfaces', ['*'])).toEqual({ allowed: true });
    expect(evaluateIam(policy, 'ec2:AssignPrivateIpAddresses', [eni('eni-0a1')])).toEqual({ allowed: true });
    expect(evaluateIam(policy, 'ec2:AssignPrivateIpAddresses', [eni('eni-0b1')])).toEqual({ allowed: false, resource: eni('eni-0b1') });
  });

  it('an action without resource-level permissions needs Resource "*", not a pattern', () => {
    const scoped = parseIamPolicy({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'ec2:DescribeAddresses', Resource: 'arn:aws:ec2:*:*:elastic-ip/*' },
    });
    expect(evaluateIam(scoped, 'ec2:DescribeAddresses', ['*'])).toEqual({ allowed: false, resource: '*' });
  });

  it('an explicit Deny wins over an Allow; every resource of a call must be allowed', () => {
    expect(evaluateIam(policy, 'ec2:AssignPrivateIpAddresses', [eni('eni-0a9')])).toMatchObject({ allowed: false });
    expect(evaluateIam(policy, 'ec2:AssignPrivateIpAddresses', [eni('eni-0a1'), eni('eni-0c1')])).toEqual({ allowed: false, resource: eni('eni-0c1') });
  });

  it('refuses what it cannot evaluate instead of ignoring it', () => {
    expect(() =>
      parseIamPolicy({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/x': 'y' } } }],
      }),
    ).toThrow(/Condition is not evaluated/);
    expect(() => parseIamPolicy({ Version: '2008-10-17', Statement: [] })).toThrow(/Version/);
    expect(() => parseIamPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] })).toThrow(/Action/);
  });
});
