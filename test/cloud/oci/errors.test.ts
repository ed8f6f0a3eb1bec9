import { classifyOciError } from '../../../src/cloud/oci/errors';
import { VipdError } from '../../../src/errors';

/** What oci-common throws: OciError-like for HTTP answers, plain objects (not Errors) for transport failures. */
const http = (statusCode: number, serviceCode: string) => Object.assign(new Error(`${serviceCode} says no`), { statusCode, serviceCode, opcRequestId: 'REQ1' });

describe('classifyOciError', () => {
  it.each<[string, unknown, string, boolean]>([
    ['429 TooManyRequests', http(429, 'TooManyRequests'), 'VIPD_E_CLOUD_THROTTLED', true],
    ['500', http(500, 'InternalServerError'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['503', http(503, 'ServiceUnavailable'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['409 IncorrectState', http(409, 'IncorrectState'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['409 Conflict', http(409, 'Conflict'), 'VIPD_E_CLOUD_INVALID', false],
    ['400 InvalidParameter', http(400, 'InvalidParameter'), 'VIPD_E_CLOUD_INVALID', false],
    ['400 LimitExceeded', http(400, 'LimitExceeded'), 'VIPD_E_CLOUD_LIMIT', false],
    ['404 NotAuthorizedOrNotFound', http(404, 'NotAuthorizedOrNotFound'), 'VIPD_E_CLOUD_PERMISSION', false],
    ['401 with instance principals (renewed, retried)', http(401, 'NotAuthenticated'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['refused connection (plain object)', { code: undefined, message: 'fetch failed', requestEndpoint: 'x' }, 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['per-request timeout (plain object, code 23)', { code: 23, message: 'This operation was aborted' }, 'VIPD_E_CLOUD_UNAVAILABLE', true],
  ])('%s', (_name, thrown, code, transient) => {
    const e = classifyOciError(thrown, 'UpdatePrivateIp');
    expect(e).toBeInstanceOf(VipdError);
    expect(e).toMatchObject({ code, transient });
    expect(e.message).toContain('OCI UpdatePrivateIp failed');
  });

  it('404 on a public IP operation names the public IP policy and the config key, not the private IP policy', () => {
    const e = classifyOciError(http(404, 'NotAuthorizedOrNotFound'), 'UpdatePublicIp');
    expect(e).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', transient: false });
    expect(e.message).toContain('manage public-ips');
    expect(e.message).toContain('reservedPublicIpId');
    expect(e.message).not.toContain('use vnics');
  });

  it('404 names the policy statements and the request id', () => {
    const e = classifyOciError(http(404, 'NotAuthorizedOrNotFound'), 'UpdatePrivateIp');
    expect(e.message).toContain('use private-ips');
    expect(e.message).toContain('use vnics');
    expect(e.message).toContain('opc-request-id REQ1');
  });

  it('401 with an API key cannot heal: permanent', () => {
    expect(classifyOciError(http(401, 'NotAuthenticated'), 'GetVnic', false)).toMatchObject({ code: 'VIPD_E_CLOUD_PERMISSION', transient: false });
  });

  it('a VipdError passes through untouched', () => {
    const mine = new VipdError('VIPD_E_CANCELLED', 'x');
    expect(classifyOciError(mine, 'GetVnic')).toBe(mine);
  });
});
