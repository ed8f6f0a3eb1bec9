import { DryRunProvider } from '../cloud/dry-run-provider';
import { CloudMover } from '../cloud/mover';
import type { CloudProvider } from '../cloud/provider';
import { createProvider } from '../cloud/registry';
import type { CloudRequestSink } from '../cloud/requests';
import type { VipdConfig } from '../config/types';
import { OsConfigurator } from '../os/configurator';
import { DryRunGarpSender } from '../os/dry-run-garp';
import { DryRunRunner } from '../os/dry-run-runner';
import { loadNativeGarp } from '../os/garp';
import type { CommandRunner } from '../os/runner';
import type { MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';
import { sleep, type Timers } from '../util/timers';
import { CloudOsOwner } from './cloud-os-owner';
import { LogOnlyOwner } from './log-owner';
import type { VipOwner } from './types';

export interface OwnerFactoryDeps {
  readonly runner: CommandRunner;
  readonly logger: Logger;
  readonly dryRun: boolean;
  /** Counts every real cloud API operation (vipd_cloud_requests_total). */
  readonly metrics: CloudRequestSink;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly random: () => number;
}

/**
 * Picks the owner for the config: log-only, or cloud + OS (optionally as a
 * dry run). Async because the configured cloud's SDK is loaded here, at
 * start, and only that one; plain L2 builds no provider and no mover.
 */
export async function buildOwner(config: VipdConfig, deps: OwnerFactoryDeps): Promise<VipOwner> {
  const logger = deps.logger.child({ component: 'owner' });
  if (config.provider.type === 'none' && !config.os.enabled) return new LogOnlyOwner(logger);
  const runner = deps.dryRun ? new DryRunRunner(deps.runner, logger) : deps.runner;
  let provider: CloudProvider | null = await createProvider({ config, logger: deps.logger, clock: deps.clock, requests: deps.metrics });
  if (provider !== null && deps.dryRun) provider = new DryRunProvider(provider, logger);
  const mover =
    provider === null
      ? null
      : new CloudMover({
          provider,
          clock: deps.clock,
          timers: deps.timers,
          sleep: (ms) => sleep(deps.timers, ms),
          random: deps.random,
          logger: logger.child({ component: 'cloud' }),
          observeBudgetMs: config.provider.acquireDeadlineMs,
        });
  const sender = config.os.arp.sender;
  // Without an injected sender the configurator runs arping through the runner.
  const garp = deps.dryRun ? new DryRunGarpSender(sender, logger) : config.os.enabled && sender === 'native' ? loadNativeGarp() : undefined;
  const os = config.os.enabled ? new OsConfigurator({ runner, logger: logger.child({ component: 'os' }), config: config.os, garp }) : null;
  return new CloudOsOwner({
    mover,
    os,
    osConfig: config.os,
    clock: deps.clock,
    timers: deps.timers,
    logger,
    startDeadlineMs: config.provider.acquireDeadlineMs,
  });
}
