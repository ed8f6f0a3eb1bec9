import type { VipdConfig } from '../config/types';
import { VipdError } from '../errors';
import type { CommandRunner } from '../os/runner';
import type { Logger } from '../util/logger';
import { LogOnlyOwner } from './log-owner';
import type { VipOwner } from './types';

export interface OwnerFactoryDeps {
  readonly runner: CommandRunner;
  readonly logger: Logger;
  readonly dryRun: boolean;
  readonly metrics: unknown;
}

/** Picks the owner for the config: log-only, dry-run, or cloud + OS. */
export async function buildOwner(config: VipdConfig, deps: OwnerFactoryDeps): Promise<VipOwner> {
  const logger = deps.logger.child({ component: 'owner' });
  if (deps.dryRun || (config.provider.type === 'none' && !config.os.enabled)) return new LogOnlyOwner(logger);
  throw new VipdError('VIPD_E_CONFIG', `provider ${config.provider.type} with os.enabled=${config.os.enabled} is not wired yet`);
}
