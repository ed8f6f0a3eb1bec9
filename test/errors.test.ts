import { VipdError, asVipdError } from '../src/errors';

describe('VipdError', () => {
  it('keeps code, transience and details', () => {
    const e = new VipdError('VIPD_E_CLOUD_THROTTLED', 'slow down', { transient: true, details: { op: 'assign' } });
    expect(e.code).toBe('VIPD_E_CLOUD_THROTTLED');
    expect(e.transient).toBe(true);
    expect(e.toJSON()).toEqual({ code: 'VIPD_E_CLOUD_THROTTLED', message: 'slow down', transient: true, details: { op: 'assign' } });
  });
  it('wraps foreign errors without losing them', () => {
    const cause = new Error('boom');
    const e = asVipdError(cause, 'VIPD_E_OS_STATE');
    expect(e.code).toBe('VIPD_E_OS_STATE');
    expect(e.cause).toBe(cause);
    expect(e.transient).toBe(false);
  });
});
