import type { ProviderType, VipdConfig } from '../config/types';
import { VipdError } from '../errors';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import { awsProviderEntry } from './aws/entry';
import { ociProviderEntry } from './oci/entry';
import { gcpProviderEntry } from './gcp/entry';
import type { CloudProvider } from './provider';
import type { CloudRequestSink } from './requests';

/** What a provider factory gets: the whole config (its own section included) and the daemon's ports. */
export interface ProviderFactoryDeps {
  readonly config: VipdConfig;
  /** The OS interface that carries the VIPs (every group of one daemon shares it). */
  readonly interfaceName: string;
  readonly logger: Logger;
  readonly clock: MonotonicClock;
  /** Told about every real API operation the provider sends. */
  readonly requests?: CloudRequestSink;
}

/**
 * One cloud. `create` loads the cloud's SDK (a dynamic import inside the
 * entry), so a daemon loads only the configured provider's SDK, only at
 * start, and plain L2 loads none.
 */
export interface ProviderEntry {
  /** The API operations it sends, so their request counters start at zero. */
  readonly operations: readonly string[];
  create(deps: ProviderFactoryDeps): Promise<CloudProvider>;
  /**
   * For an SDK that prints on its own (process-wide): sends that output to
   * the daemon's log instead, and returns the undo. The composition root
   * calls it once at start, for the configured provider only.
   */
  routeSdkOutput?(logger: Logger): Promise<() => void>;
}

export type CloudProviderType = Exclude<ProviderType, 'none'>;

/** A new cloud is a folder under cloud/ with its entry, plus one line here (the type makes the line required). */
export const PROVIDERS: Readonly<Record<CloudProviderType, ProviderEntry>> = {
  aws: awsProviderEntry,
  oci: ociProviderEntry,
  gcp: gcpProviderEntry,
};

/** The entry for a cloud type (every type the config accepts has one). */
export function providerEntry(type: CloudProviderType): ProviderEntry {
  return PROVIDERS[type];
}

/** Routes the configured provider's SDK output into `logger` (see ProviderEntry.routeSdkOutput); the result undoes it. */
export async function routeProviderSdkOutput(type: ProviderType, logger: Logger): Promise<() => void> {
  const entry = type === 'none' ? undefined : PROVIDERS[type];
  if (entry?.routeSdkOutput === undefined) return () => undefined;
  return entry.routeSdkOutput(logger);
}

/** The API operations of the configured provider (none for plain L2). */
export function providerOperations(type: ProviderType): readonly string[] {
  return type === 'none' ? [] : (PROVIDERS[type]?.operations ?? []);
}

/**
 * The provider for the config, or null for plain L2 (provider none: nothing
 * in the network keeps a record of who holds an address). Every group of
 * one daemon shares one NIC and so one provider.
 */
export async function createProvider(deps: Omit<ProviderFactoryDeps, 'interfaceName'>): Promise<CloudProvider | null> {
  const { config } = deps;
  const type = config.provider.type;
  if (type === 'none') return null;
  const entry = providerEntry(type);
  const distinct = new Set(config.groups.map((g) => g.interface));
  if (distinct.size > 1) {
    throw new VipdError('VIPD_E_CONFIG', `provider ${type}: all groups must use one interface (found ${[...distinct].join(', ')})`);
  }
  return entry.create({ ...deps, interfaceName: config.groups[0]?.interface ?? 'eth0' });
}
