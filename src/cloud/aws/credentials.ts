import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { VipdError } from '../../errors';
import type { ImdsClient } from './imds';

type CredentialProvider = Extract<NonNullable<EC2ClientConfig['credentials']>, (...args: never[]) => unknown>;

/**
 * The instance role's temporary credentials, read from instance metadata
 * through our IMDS client. Used when provider.aws.metadataEndpoint points
 * somewhere else than the link-local address (the lab): the SDK's own
 * metadata provider reads its endpoint only from the process environment,
 * and setting that from inside a library would be a hidden global. The SDK
 * memoizes this provider and calls it again shortly before `expiration`.
 */
export function imdsRoleCredentials(imds: ImdsClient): CredentialProvider {
  return async () => {
    const roles = await imds.getLines('iam/security-credentials/');
    const role = roles[0];
    if (role === undefined) {
      throw new VipdError('VIPD_E_METADATA', 'no instance role: attach an instance profile with the vipd policy (docs/clouds/aws.md)');
    }
    const text = await imds.get(`iam/security-credentials/${encodeURIComponent(role)}`);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new VipdError('VIPD_E_METADATA', `role credentials for ${role} are not JSON`, { cause: e });
    }
    const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
    const str = (k: string): string | null => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : null);
    const accessKeyId = str('AccessKeyId');
    const secretAccessKey = str('SecretAccessKey');
    const sessionToken = str('Token');
    const expirationText = str('Expiration');
    const expiration = expirationText === null ? null : new Date(expirationText);
    if (
      str('Code') !== 'Success' ||
      accessKeyId === null ||
      secretAccessKey === null ||
      sessionToken === null ||
      expiration === null ||
      Number.isNaN(expiration.getTime())
    ) {
      throw new VipdError('VIPD_E_METADATA', `role credentials for ${role} are incomplete or not "Success" (Code=${String(o.Code)})`, {
        transient: str('Code') !== 'Success',
      });
    }
    return { accessKeyId, secretAccessKey, sessionToken, expiration };
  };
}
