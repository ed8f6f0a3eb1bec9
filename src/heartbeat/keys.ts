import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { VipdError } from '../errors';

/** Raw key bytes as read from the key files (config/key-file.ts). */
export interface HeartbeatKeys {
  /** Signs everything we send; also accepted. */
  readonly current: Buffer;
  /** Also accepted while a rotation is under way; null outside rotations. */
  readonly next: Buffer | null;
}

export type KeySlot = 'current' | 'next';

export interface SigningKey {
  /** One byte derived from the key: lets a receiver say which key a peer signed with, without revealing it. */
  readonly id: number;
  readonly secret: KeyObject;
}

export interface AcceptedKeys {
  readonly current: SigningKey;
  readonly next: SigningKey | null;
}

/** 128 bits: a floor against empty or placeholder keys; key files should hold 32 random bytes. */
export const MIN_KEY_BYTES = 16;

const KEY_ID_LABEL = Buffer.from('vipd heartbeat key id\0', 'ascii');

/**
 * The key id is a diagnostic, not a selector: receivers try every accepted
 * key, so two keys sharing an id (1 in 256) cost nothing but a clear log line.
 */
export function keyIdOf(key: Buffer): number {
  const digest = createHash('sha256').update(KEY_ID_LABEL).update(key).digest();
  return digest[0] ?? 0;
}

export function prepareKey(key: Buffer, slot: KeySlot): SigningKey {
  if (key.length < MIN_KEY_BYTES) {
    throw new VipdError('VIPD_E_KEY_FILE', `the ${slot} heartbeat key is ${key.length} bytes; at least ${MIN_KEY_BYTES} are required`, {
      details: { slot, bytes: key.length, minBytes: MIN_KEY_BYTES },
    });
  }
  // Copy: the caller may reuse or zero its buffer.
  return { id: keyIdOf(key), secret: createSecretKey(Buffer.from(key)) };
}

export function prepareKeys(keys: HeartbeatKeys): AcceptedKeys {
  return { current: prepareKey(keys.current, 'current'), next: keys.next === null ? null : prepareKey(keys.next, 'next') };
}

/** HMAC-SHA256 over `signed` (every byte before the tag). */
export function computeTag(key: SigningKey, signed: Buffer): Buffer {
  return createHmac('sha256', key.secret).update(signed).digest();
}
