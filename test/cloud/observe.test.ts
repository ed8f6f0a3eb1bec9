import { observeLocalViewFirst } from '../../src/cloud/observe';
import type { CloudCallContext, CloudHolder, CloudVip } from '../../src/cloud/provider';
import { VipdError } from '../../src/errors';
import { silentLogger } from '../../src/util/logger';
import { rejection } from '../support/rejection';

const VIPS: CloudVip[] = [{ address: '10.0.0.42' }, { address: '10.0.0.43' }];
const other: CloudHolder = { kind: 'other', instanceId: 'i-2', nodeId: null, primaryAddress: '10.0.0.12' };
const metadataHiccup = () => new VipdError('VIPD_E_METADATA', '500', { transient: true });

function harness(local: () => Promise<boolean>, record: () => Promise<ReadonlyMap<string, CloudHolder>>) {
  const calls: string[] = [];
  const controller = new AbortController();
  const ctx: CloudCallContext = { signal: controller.signal, deadlineAt: 1_000 };
  const observe = () =>
    observeLocalViewFirst(VIPS, ctx, {
      local: () => (calls.push('local'), local()),
      record: () => (calls.push('record'), record()),
      logger: silentLogger(),
    });
  return { calls, controller, observe };
}

describe('observeLocalViewFirst (AWS: metadata first, the API only when needed)', () => {
  it('the local view shows every VIP here: all "me", and no API read', async () => {
    const h = harness(
      async () => true,
      async () => new Map(),
    );
    expect([...(await h.observe()).entries()]).toEqual([
      ['10.0.0.42', { kind: 'me' }],
      ['10.0.0.43', { kind: 'me' }],
    ]);
    expect(h.calls).toEqual(['local']);
  });

  it('the local view misses one: the record says who holds them', async () => {
    const h = harness(
      async () => false,
      async () =>
        new Map<string, CloudHolder>([
          ['10.0.0.42', { kind: 'me' }],
          ['10.0.0.43', other],
        ]),
    );
    expect((await h.observe()).get('10.0.0.43')).toEqual(other);
    expect(h.calls).toEqual(['local', 'record']);
  });

  it('the local view cannot be read: an error is not an answer, the record is read', async () => {
    const h = harness(
      async () => {
        throw metadataHiccup();
      },
      async () =>
        new Map<string, CloudHolder>([
          ['10.0.0.42', other],
          ['10.0.0.43', other],
        ]),
    );
    expect((await h.observe()).get('10.0.0.42')).toEqual(other);
    expect(h.calls).toEqual(['local', 'record']);
  });

  it('the record cannot be read either: the error is thrown, never "nobody"', async () => {
    const h = harness(
      async () => false,
      async () => {
        throw new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true });
      },
    );
    expect((await rejection(h.observe())).code).toBe('VIPD_E_CLOUD_THROTTLED');
  });

  it('a local read cut by the context is rethrown, not followed by an API call', async () => {
    const h = harness(
      async () => {
        h.controller.abort(new VipdError('VIPD_E_CANCELLED', 'gone'));
        throw new VipdError('VIPD_E_CANCELLED', 'gone');
      },
      async () => new Map(),
    );
    expect((await rejection(h.observe())).code).toBe('VIPD_E_CANCELLED');
    expect(h.calls).toEqual(['local']);
  });
});
