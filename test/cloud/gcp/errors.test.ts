import { classifyGcpError, operationError } from '../../../src/cloud/gcp/errors';
import { VipdError } from '../../../src/errors';

/** What compute 6.x over REST throws: a GaxiosError with the status and Google's JSON body. */
function gaxios(status: number, reason: string, message = 'msg'): Error {
  const body = { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } };
  return Object.assign(new Error(JSON.stringify(body)), { name: 'GaxiosError', status, response: { status, data: body } });
}

describe('classifyGcpError', () => {
  it.each([
    [412, 'conditionNotMet', 'VIPD_E_CLOUD_CONFLICT', true],
    [403, 'rateLimitExceeded', 'VIPD_E_CLOUD_THROTTLED', true],
    [429, 'rateLimitExceeded', 'VIPD_E_CLOUD_THROTTLED', true],
    [403, 'forbidden', 'VIPD_E_CLOUD_PERMISSION', false],
    [401, 'authError', 'VIPD_E_CLOUD_PERMISSION', false],
    [404, 'notFound', 'VIPD_E_CLOUD_INVALID', false],
    [400, 'invalid', 'VIPD_E_CLOUD_INVALID', false],
    [500, 'backendError', 'VIPD_E_CLOUD_UNAVAILABLE', true],
    [503, 'backendError', 'VIPD_E_CLOUD_UNAVAILABLE', true],
  ])('HTTP %i %s -> %s (transient %s)', (status, reason, code, transient) => {
    const e = classifyGcpError(gaxios(status, reason), 'instances.updateNetworkInterface');
    expect(e).toMatchObject({ code, transient });
    expect(e.details).toMatchObject({ httpStatus: status, reason });
  });

  it('the body may only be in the message (GaxiosError.message is the JSON text)', () => {
    const body = { error: { code: 412, message: 'stale', errors: [{ reason: 'conditionNotMet' }] } };
    expect(classifyGcpError(Object.assign(new Error(JSON.stringify(body)), { status: 412 }), 'instances.updateNetworkInterface').code).toBe(
      'VIPD_E_CLOUD_CONFLICT',
    );
  });

  it('a permission error names the permission of the call', () => {
    expect(classifyGcpError(gaxios(403, 'forbidden'), 'instances.updateNetworkInterface').message).toContain('compute.instances.updateNetworkInterface');
    expect(classifyGcpError(gaxios(403, 'forbidden'), 'instances.get').message).toContain('compute.instances.get');
    expect(classifyGcpError(gaxios(403, 'forbidden'), 'zoneOperations.wait').message).toContain('compute.zoneOperations.get');
  });

  it('timeouts and fetch failures are unavailable (transient); anything else is a response error (permanent)', () => {
    expect(
      classifyGcpError(Object.assign(new Error('timeout of 3000ms exceeded'), { name: 'GaxiosError', code: 'TimeoutError' }), 'instances.get'),
    ).toMatchObject({ code: 'VIPD_E_CLOUD_UNAVAILABLE', transient: true });
    expect(classifyGcpError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'instances.get')).toMatchObject({
      code: 'VIPD_E_CLOUD_UNAVAILABLE',
      transient: true,
    });
    expect(classifyGcpError(new Error('Unexpected token < in JSON'), 'instances.get')).toMatchObject({ code: 'VIPD_E_CLOUD_RESPONSE', transient: false });
    const mine = new VipdError('VIPD_E_CANCELLED', 'x');
    expect(classifyGcpError(mine, 'instances.get')).toBe(mine);
  });

  it('an operation DONE with error: transient unless it is about permission or quota', () => {
    expect(operationError('op-1', 'vipd-b/nic0', [{ code: 'RESOURCE_NOT_READY', message: 'busy' }])).toMatchObject({
      code: 'VIPD_E_CLOUD_UNAVAILABLE',
      transient: true,
      message: expect.stringContaining('RESOURCE_NOT_READY'),
    });
    expect(operationError('op-1', 'vipd-b/nic0', [{ code: 'PERMISSION_DENIED' }])).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', transient: false });
    expect(operationError('op-1', 'vipd-b/nic0', [{ code: 'QUOTA_EXCEEDED' }])).toMatchObject({ code: 'VIPD_E_CLOUD_LIMIT', transient: false });
  });
});
