import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { createEc2Client, ec2Call } from '../../../src/cloud/aws/ec2';
import { VipdError } from '../../../src/errors';

/** An EC2 endpoint that answers 200 and part of a body, then goes silent (a stalling proxy). */
describe('EC2 client timeouts', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.write('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">');
      // ... and nothing more, never ended.
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a body that stalls after the headers fails the call as a transient timeout instead of hanging', async () => {
    const ec2 = createEc2Client({
      region: 'eu-west-1',
      endpoint: url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestTimeoutMs: 400,
    });
    try {
      const e = await ec2Call('DescribeNetworkInterfaces', { signal: new AbortController().signal, deadlineAt: Infinity }, (o) =>
        ec2.send(new DescribeNetworkInterfacesCommand({}), o),
      ).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(VipdError);
      expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true });
    } finally {
      ec2.destroy();
    }
  }, 15_000);
});

/**
 * An EC2 endpoint that calls the first access key expired (RequestExpired,
 * as EC2 answers an expired role session) and accepts the next one.
 */
describe('EC2 client: credentials EC2 calls expired', () => {
  let server: Server;
  let url: string;
  const seenKeys: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      const key = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      seenKeys.push(key);
      res.setHeader('date', new Date().toUTCString());
      if (key === 'ASIAOLDOLDOLDOLD1') {
        res.writeHead(400, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has expired.</Message></Error></Errors><RequestID>r-1</RequestID></Response>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><networkInterfaceSet/></DescribeNetworkInterfacesResponse>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('classifies the answer as transient and makes the next call fetch fresh credentials, though their stated Expiration is hours away', async () => {
    let fetched = 0;
    const keys = ['ASIAOLDOLDOLDOLD1', 'ASIANEWNEWNEWNEW2'];
    const credentials = async () => ({
      accessKeyId: keys[Math.min(fetched++, 1)]!,
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(Date.now() + 6 * 3600_000),
    });
    const ec2 = createEc2Client({ region: 'eu-west-1', endpoint: url, credentials });
    const ctx = { signal: new AbortController().signal, deadlineAt: Infinity };
    const call = () => ec2Call('DescribeNetworkInterfaces', ctx, (o) => ec2.send(new DescribeNetworkInterfacesCommand({}), o));
    try {
      const first = await call().then(
        () => null,
        (err: unknown) => err,
      );
      expect(first).toMatchObject({ code: 'VIPD_E_CLOUD_CREDENTIALS_EXPIRED', transient: true });
      await expect(call()).resolves.toMatchObject({ NetworkInterfaces: [] });
      expect(seenKeys).toEqual(['ASIAOLDOLDOLDOLD1', 'ASIANEWNEWNEWNEW2']);
      expect(fetched).toBe(2);
    } finally {
      ec2.destroy();
    }
  }, 15_000);
});
