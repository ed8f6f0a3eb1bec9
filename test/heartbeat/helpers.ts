import type { PeerConfig } from '../../src/config/types';
import type { VipdError } from '../../src/errors';
import type { PacketFields } from '../../src/heartbeat/codec';
import { prepareKeys, type AcceptedKeys } from '../../src/heartbeat/keys';
import type { DatagramTransport } from '../../src/heartbeat/transport';
import type { DatagramSource, HeartbeatGroup } from '../../src/heartbeat/types';
import { vipDigest } from '../../src/heartbeat/vip-digest';
import type { Logger } from '../../src/util/logger';

export const KEY_A = Buffer.alloc(32, 0xa1);
export const KEY_B = Buffer.alloc(32, 0xb2);
export const KEY_WRONG = Buffer.alloc(32, 0x77);

export const keysA: AcceptedKeys = prepareKeys({ current: KEY_A, next: null });
export const keysAB: AcceptedKeys = prepareKeys({ current: KEY_A, next: KEY_B });

export const DIGEST = vipDigest(['10.0.1.42']);

export function sampleFields(overrides: Partial<PacketFields> = {}): PacketFields {
  return {
    type: 'advert',
    groupId: 7,
    nodeId: 'node-b',
    priority: 150,
    role: 'MASTER',
    intervalMs: 1000,
    epoch: 0x0123456789abcdefn,
    seq: 42n,
    vipDigest: DIGEST,
    ...overrides,
  };
}

export function group(id: number, peers: readonly PeerConfig[], name = `g${id}`): HeartbeatGroup {
  return { id, name, peers, vipDigest: DIGEST };
}

/** Polls until `predicate` holds; generous default because the machine is shared. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** In-memory transport: records sends, lets the test deliver datagrams. */
export class FakeTransport implements DatagramTransport {
  readonly sent: Array<{ buf: Buffer; address: string; port: number; onError?: (e: VipdError) => void }> = [];
  bound = false;
  closed = false;
  private listener: ((buf: Buffer, from: DatagramSource) => void) | null = null;

  bind(): Promise<void> {
    this.bound = true;
    return Promise.resolve();
  }
  send(buf: Buffer, address: string, port: number, onError?: (e: VipdError) => void): void {
    this.sent.push(onError === undefined ? { buf, address, port } : { buf, address, port, onError });
  }
  onDatagram(cb: (buf: Buffer, from: DatagramSource) => void): void {
    this.listener = cb;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  deliver(buf: Buffer, from: DatagramSource): void {
    if (this.listener === null) throw new Error('no listener registered');
    this.listener(buf, from);
  }
}

/** XORs one byte in place (noUncheckedIndexedAccess-friendly). */
export function flipByte(buf: Buffer, index: number, mask: number): void {
  buf.writeUInt8(buf.readUInt8(index) ^ mask, index);
}

/** A Logger that keeps what it is given, for asserting on warnings. */
export function recordingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string; fields: object }> } {
  const lines: Array<{ level: string; msg: string; fields: object }> = [];
  const at =
    (level: string) =>
    (a: object | string, b?: string): void => {
      if (typeof a === 'string') lines.push({ level, msg: a, fields: {} });
      else lines.push({ level, msg: b ?? '', fields: a });
    };
  const logger: Logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return { logger, lines };
}
