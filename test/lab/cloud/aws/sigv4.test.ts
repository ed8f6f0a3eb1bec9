import { classifyAwsError } from '../../../../src/cloud/aws/errors';
import { DescribeNetworkInterfacesCommand, EC2Client, type EC2ServiceException, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-ec2';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { silentLogger } from '../../../../src/util/logger';
import { Ec2ApiError } from '../../../../lab/cloud/aws/ec2-errors';
import { LabCloud } from '../../../../lab/cloud/lab-cloud';
import { verifySigV4 } from '../../../../lab/cloud/aws/sigv4';
import { ADMIN, NODE1, REGION, RecordingFabric, adminClient, labSpec, startLab, type RunningLab } from '../fixtures';

async function failure(p: Promise<unknown>): Promise<EC2ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as EC2ServiceException;
  }
  throw new Error('expected the call to fail');
}

/** The request as it leaves the signer: a Query API call, its form body a string. */
function isSignedQuery(request: unknown): request is { body: string; headers: Record<string, string> } {
  if (typeof request !== 'object' || request === null || !('body' in request) || !('headers' in request)) return false;
  return typeof request.body === 'string' && typeof request.headers === 'object' && request.headers !== null;
}

describe('SigV4 verification (AWS test suite vector)', () => {
  // "get-vanilla" from the AWS Signature Version 4 test suite.
  const request = {
    method: 'GET',
    target: '/',
    rawHeaders: [
      'Host',
      'example.amazonaws.com',
      'X-Amz-Date',
      '20150830T123600Z',
      'Authorization',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    ],
    body: Buffer.alloc(0),
  };
  const key = {
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: null,
    principal: { kind: 'user' as const, id: 'example', allowedActions: null, policy: null },
    expiresAtMs: null,
  };
  const opts = { region: 'us-east-1', service: 'service', lookup: (id: string) => (id === 'AKIDEXAMPLE' ? key : null), nowMs: Date.UTC(2015, 7, 30, 12, 36) };

  it('accepts the published signature', () => {
    expect(verifySigV4(request, opts).principal.id).toBe('example');
  });

  it('rejects the same request with one header changed', () => {
    const tampered = { ...request, rawHeaders: request.rawHeaders.map((h) => (h === 'example.amazonaws.com' ? 'example2.amazonaws.com' : h)) };
    expect(() => verifySigV4(tampered, opts)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch', status: 403 }));
  });

  it('rejects a request signed long ago as RequestExpired', () => {
    expect(() => verifySigV4(request, { ...opts, nowMs: opts.nowMs + 16 * 60 * 1000 })).toThrow(expect.objectContaining({ code: 'RequestExpired' }));
  });

  it('rejects temporary credentials past their expiry as RequestExpired (what EC2 answers an expired role session), a correct signature notwithstanding', () => {
    const temporary = { ...key, expiresAtMs: opts.nowMs };
    expect(() => verifySigV4(request, { ...opts, lookup: () => temporary })).toThrow(expect.objectContaining({ code: 'RequestExpired', status: 400 }));
    expect(verifySigV4(request, { ...opts, lookup: () => ({ ...temporary, expiresAtMs: opts.nowMs + 1 }) }).principal.id).toBe('example');
  });

  it('rejects a malformed Authorization header as IncompleteSignature', () => {
    const bad = {
      ...request,
      rawHeaders: ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z', 'Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE'],
    };
    expect(() => verifySigV4(bad, opts)).toThrow(Ec2ApiError);
    expect(() => verifySigV4(bad, opts)).toThrow(expect.objectContaining({ code: 'IncompleteSignature' }));
  });
});

describe('lab cloud rejects what EC2 would reject', () => {
  let lab: RunningLab;
  const clients: EC2Client[] = [];
  const client = (c: EC2Client): EC2Client => {
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await lab.stop();
  });

  it('a wrong secret: SignatureDoesNotMatch (403) with EC2 message; nothing executed', async () => {
    const ec2 = client(adminClient(lab, { accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'not-the-secret-00000000000000000000' }));
    const e = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata.httpStatusCode).toBe(403);
    expect(e.message).toContain('The request signature we calculated does not match the signature you provided');
    expect(lab.cloud.calls.ec2()).toEqual([expect.objectContaining({ action: 'DescribeNetworkInterfaces', caller: null, result: 'SignatureDoesNotMatch' })]);
  });

  it('an unknown key: AuthFailure (401)', async () => {
    const ec2 = client(adminClient(lab, { accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: ADMIN.secretAccessKey }));
    const e = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
    expect(e.name).toBe('AuthFailure');
    expect(e.$metadata.httpStatusCode).toBe(401);
    expect(e.message).toBe('AWS was not able to validate the provided access credentials');
  });

  it('role credentials without their session token: AuthFailure', async () => {
    const c = lab.cloud.flavour.credentialsOf(NODE1.id)!;
    const ec2 = client(adminClient(lab, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }));
    expect((await failure(ec2.send(new DescribeNetworkInterfacesCommand({})))).name).toBe('AuthFailure');
  });

  it('a body changed after signing: SignatureDoesNotMatch', async () => {
    const ec2 = client(adminClient(lab));
    const tamper: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
      const request = args.request;
      if (!isSignedQuery(request)) throw new Error('the signed request is not an HTTP request with a text body');
      request.body = `${request.body}&Filter.1.Name=subnet-id&Filter.1.Value.1=subnet-0a000000000000001`;
      request.headers['content-length'] = String(Buffer.byteLength(request.body));
      return next(args);
    };
    ec2.middlewareStack.addRelativeTo(tamper, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' });
    expect((await failure(ec2.send(new DescribeNetworkInterfacesCommand({})))).name).toBe('SignatureDoesNotMatch');
  });

  it('a signature scoped to another region: SignatureDoesNotMatch', async () => {
    const ec2 = client(new EC2Client({ region: 'us-east-1', endpoint: lab.endpoints.apiUrl, credentials: ADMIN, maxAttempts: 1 }));
    const e = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.message).toContain(`Expected '${REGION}'`);
  });

  it('a client clock an hour off: RequestExpired, the SDK corrects its offset from the Date header, vipd retries, the next call passes', async () => {
    await lab.stop();
    const skewed = new LabCloud(labSpec(), { fabric: new RecordingFabric(), logger: silentLogger(), wallNowMs: () => Date.now() + 3600_000 });
    const endpoints = await skewed.start({ imds: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 } });
    lab = { ...lab, cloud: skewed, endpoints, stop: () => skewed.stop() };
    const ec2 = client(adminClient(lab));
    const first = await failure(ec2.send(new DescribeNetworkInterfacesCommand({})));
    expect(first.name).toBe('RequestExpired');
    expect((first.$metadata as { clockSkewCorrected?: boolean }).clockSkewCorrected).toBe(true);
    const classified = classifyAwsError(first, 'DescribeNetworkInterfaces');
    expect(classified).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true });
    const second = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(second.NetworkInterfaces?.length).toBeGreaterThan(0);
  });
});
