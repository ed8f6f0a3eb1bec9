/**
 * An error the emulated EC2 API answers with, in EC2's own vocabulary
 * (code, message, HTTP status), rendered as the documented
 * <Response><Errors><Error>... body.
 */
export class Ec2ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = defaultStatusFor(code),
  ) {
    super(message);
    this.name = 'Ec2ApiError';
  }
}

/** The status EC2 answers each code with (client errors 400 unless known otherwise). */
export function defaultStatusFor(code: string): number {
  switch (code) {
    case 'AuthFailure':
    case 'MissingAuthenticationToken':
      return 401;
    case 'UnauthorizedOperation':
    case 'SignatureDoesNotMatch':
    case 'InvalidClientTokenId':
      return 403;
    case 'DryRunOperation':
      return 412;
    case 'InternalError':
    case 'InternalFailure':
      return 500;
    case 'RequestLimitExceeded':
    case 'Unavailable':
    case 'ServiceUnavailable':
      return 503;
    default:
      return 400;
  }
}

/** EC2's message for an error code a fault rule names without one. */
export function defaultMessage(code: string): string {
  switch (code) {
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    case 'UnauthorizedOperation':
      return 'You are not authorized to perform this operation.';
    case 'InternalError':
      return 'An internal error has occurred';
    case 'Unavailable':
      return 'The server is overloaded and cannot handle the request';
    default:
      return `Injected fault ${code}`;
  }
}

export const notFoundEni = (id: string): Ec2ApiError =>
  /^eni-[0-9a-z]+$/.test(id)
    ? new Ec2ApiError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`)
    : new Ec2ApiError('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
