import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { classifyAwsError } from '../../../src/cloud/aws/errors';
import { VipdError, type ErrorCode } from '../../../src/errors';

function serviceError(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1234', attempts: 1, totalRetryDelay: 0 },
    message,
  });
}

function skewed(name: string, status: number): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1234', attempts: 1, totalRetryDelay: 0, clockSkewCorrected: true } as EC2ServiceException['$metadata'],
    message: 'Request has expired.',
  });
}

function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code, $metadata: { attempts: 1 } });
}

describe('classifyAwsError', () => {
  it.each<[string, unknown, ErrorCode, boolean]>([
    ['RequestLimitExceeded (503)', serviceError('RequestLimitExceeded', 503), 'VIPD_E_CLOUD_THROTTLED', true],
    ['RequestLimitExceeded (400)', serviceError('RequestLimitExceeded', 400), 'VIPD_E_CLOUD_THROTTLED', true],
    ['Throttling', serviceError('Throttling', 400), 'VIPD_E_CLOUD_THROTTLED', true],
    ['any 429', serviceError('SomethingNew', 429), 'VIPD_E_CLOUD_THROTTLED', true],
    ['InternalError 500', serviceError('InternalError', 500), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['Unavailable 503', serviceError('Unavailable', 503), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['unknown 502', serviceError('UnknownError', 502), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['ECONNREFUSED', netError('ECONNREFUSED'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['ECONNRESET', netError('ECONNRESET'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['ETIMEDOUT', netError('ETIMEDOUT'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['EAI_AGAIN', netError('EAI_AGAIN'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['SDK TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['cross-realm wrapper', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['UnauthorizedOperation', serviceError('UnauthorizedOperation', 403), 'VIPD_E_CLOUD_PERMISSION', false],
    [
      'RequestExpired, clock not corrected: expired role credentials, refreshed and retried',
      serviceError('RequestExpired', 400),
      'VIPD_E_CLOUD_CREDENTIALS_EXPIRED',
      true,
    ],
    ['ExpiredToken', serviceError('ExpiredToken', 400), 'VIPD_E_CLOUD_CREDENTIALS_EXPIRED', true],
    ['ExpiredTokenException', serviceError('ExpiredTokenException', 403), 'VIPD_E_CLOUD_CREDENTIALS_EXPIRED', true],
    ['RequestExpired after the SDK corrected its clock offset: retry', skewed('RequestExpired', 400), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['AuthFailure after the SDK corrected its clock offset: retry', skewed('AuthFailure', 401), 'VIPD_E_CLOUD_UNAVAILABLE', true],
    ['AuthFailure', serviceError('AuthFailure', 401), 'VIPD_E_CLOUD_PERMISSION', false],
    ['SignatureDoesNotMatch', serviceError('SignatureDoesNotMatch', 403), 'VIPD_E_CLOUD_PERMISSION', false],
    ['any 403', serviceError('Whatever', 403), 'VIPD_E_CLOUD_PERMISSION', false],
    ['InvalidParameterValue', serviceError('InvalidParameterValue', 400), 'VIPD_E_CLOUD_INVALID', false],
    ['InvalidNetworkInterfaceID.NotFound', serviceError('InvalidNetworkInterfaceID.NotFound', 400), 'VIPD_E_CLOUD_INVALID', false],
    ['InvalidAddress.NotFound', serviceError('InvalidAddress.NotFound', 400), 'VIPD_E_CLOUD_INVALID', false],
    ['Resource.AlreadyAssociated', serviceError('Resource.AlreadyAssociated', 400), 'VIPD_E_CLOUD_INVALID', false],
    ['PrivateIpAddressLimitExceeded', serviceError('PrivateIpAddressLimitExceeded', 400), 'VIPD_E_CLOUD_LIMIT', false],
    ['AddressLimitExceeded', serviceError('AddressLimitExceeded', 400), 'VIPD_E_CLOUD_LIMIT', false],
    ['unknown 4xx', serviceError('BrandNewClientError', 400), 'VIPD_E_CLOUD_INVALID', false],
    ['a plain bug', new TypeError('x is undefined'), 'VIPD_E_CLOUD_RESPONSE', false],
    ['a non-error', 'weird', 'VIPD_E_CLOUD_RESPONSE', false],
  ])('%s', (_label, input, code, transient) => {
    const e = classifyAwsError(input, 'AssignPrivateIpAddresses');
    expect(e).toBeInstanceOf(VipdError);
    expect(e.code).toBe(code);
    expect(e.transient).toBe(transient);
    expect(e.cause).toBe(input);
    expect(e.message).toMatch(/^EC2 AssignPrivateIpAddresses failed: /);
    expect(e.message).toContain('Hint: ');
  });

  it('an operator-readable message: operation, code, AWS message, request id, missing IAM action', () => {
    const e = classifyAwsError(serviceError('UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'), 'AssignPrivateIpAddresses');
    expect(e.message).toContain('UnauthorizedOperation (HTTP 403): You are not authorized to perform this operation.');
    expect(e.message).toContain('request id req-1234');
    expect(e.message).toContain('ec2:AssignPrivateIpAddresses');
    expect(e.details).toEqual(
      expect.objectContaining({ operation: 'AssignPrivateIpAddresses', awsCode: 'UnauthorizedOperation', httpStatus: 403, requestId: 'req-1234' }),
    );
  });

  it('passes a VipdError through unchanged (e.g. a metadata error from the credential provider)', () => {
    const original = new VipdError('VIPD_E_METADATA', 'no role', { transient: true });
    expect(classifyAwsError(original, 'DescribeNetworkInterfaces')).toBe(original);
  });
});
