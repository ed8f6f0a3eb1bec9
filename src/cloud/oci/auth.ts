import * as common from 'oci-common';
import type { OciProviderConfig } from '../../config/types';
import { VipdError } from '../../errors';

/** What the client signs with, and how a 401 is healed. */
export interface OciAuth {
  readonly provider: common.AuthenticationDetailsProvider;
  /** Whether a 401 can heal by renewing (instance principals) or is final (an API key). */
  readonly renewable: boolean;
  /** Forces a new session token now (instance principals); absent for an API key. */
  readonly refresh?: () => Promise<void>;
}

/**
 * Instance principals: the SDK builder reads the instance's certificates
 * from `<metadata>/opc/v2/identity/` and trades them for a session token at
 * the federation endpoint, both set here as properties (the SDK reads no
 * environment for them). API key: a profile of an OCI config file, so the
 * key never enters vipd's own config. The key is never logged.
 */
export async function createOciAuth(config: OciProviderConfig, metadataV2Base: string): Promise<OciAuth> {
  if (config.auth === 'api_key') {
    let provider: common.ConfigFileAuthenticationDetailsProvider;
    try {
      provider = new common.ConfigFileAuthenticationDetailsProvider(config.configFile ?? undefined, config.profile);
    } catch (e) {
      throw new VipdError(
        'VIPD_E_CONFIG',
        `provider.oci.auth api_key: cannot read profile ${config.profile} of ${config.configFile ?? '~/.oci/config'}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    return { provider, renewable: false };
  }
  const builder = new common.InstancePrincipalsAuthenticationDetailsProviderBuilder();
  builder.metadataBaseUrl = metadataV2Base;
  if (config.federationEndpoint !== null) builder.federationEndpoint = config.federationEndpoint.replace(/\/+$/, '');
  let provider: Awaited<ReturnType<typeof builder.build>>;
  try {
    provider = await builder.build();
  } catch (e) {
    throw new VipdError(
      'VIPD_E_METADATA',
      `OCI instance principal: cannot get a session token (identity certificates from ${metadataV2Base}identity/, then federation): ${errorText(e)}`,
      {
        transient: true,
        cause: e,
      },
    );
  }
  return {
    provider,
    renewable: true,
    refresh: async () => {
      await provider.refresh();
    },
  };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}
