import { AwsProvider } from '../cloud/aws/provider';
import { DryRunProvider } from '../cloud/dry-run-provider';
import { InstrumentedProvider, type CloudRequestSink } from '../cloud/instrumented-provider';
import { CloudMover } from '../cloud/mover';
import { NoneProvider } from '../cloud/none';
import type { CloudProvider } from '../cloud/provider';
import type { VipdConfig } from '../config/types';
import { VipdError } from '../errors';
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
  readonly metrics: CloudRequestSink;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  readonly random: () => number;
}

/** The provider for the config; every group of one daemon shares one NIC and so one provider. */
export function buildProvider(config: VipdConfig, logger: Logger): CloudProvider {
  const interfaceName = config.groups[0]?.interface ?? 'eth0';
  const distinct = new Set(config.groups.map((g) => g.interface));
  if (distinct.size > 1 && config.provider.type !== 'none') {
    throw new VipdError('VIPD_E_CONFIG', `provider ${config.provider.type}: all groups must use one interface (found ${[...distinct].join(', ')})`);
  }
  switch (config.provider.type) {
    case 'none':
      return new NoneProvider({ interfaceName });
    case 'aws':
      return new AwsProvider({ interfaceName, config: config.provider.aws, logger });
    case 'oci':
    case 'gcp':
      throw new VipdError('VIPD_E_CONFIG', `provider.type ${config.provider.type} is not implemented yet (see docs/clouds/${config.provider.type}.md); use aws or none`);
  }
}

/** Picks the owner for the config: log-only, or cloud + OS (optionally as a dry run). */
export function buildOwner(config: VipdConfig, deps: OwnerFactoryDeps): VipOwner {
  const logger = deps.logger.child({ component: 'owner' });
  if (config.provider.type === 'none' && !config.os.enabled) return new LogOnlyOwner(logger);
  const runner = deps.dryRun ? new DryRunRunner(deps.runner, logger) : deps.runner;
  // Provider none makes no API call: instrumenting it would only export cloud series that are always zero.
  const bare = buildProvider(config, deps.logger);
  let provider: CloudProvider = config.provider.type === 'none' ? bare : new InstrumentedProvider(bare, deps.metrics, deps.clock);
  if (deps.dryRun) provider = new DryRunProvider(provider, logger);
  const mover = new CloudMover({ provider, clock: deps.clock, sleep: (ms) => sleep(deps.timers, ms), random: deps.random, logger: logger.child({ component: 'cloud' }) });
  const sender = config.os.arp.sender;
  // Without an injected sender the configurator runs arping through the runner.
  const garp = deps.dryRun ? new DryRunGarpSender(sender, logger) : config.os.enabled && sender === 'native' ? loadNativeGarp() : undefined;
  const os = config.os.enabled ? new OsConfigurator({ runner, logger: logger.child({ component: 'os' }), config: config.os, garp }) : null;
  return new CloudOsOwner({ mover, os, osConfig: config.os, clock: deps.clock, timers: deps.timers, logger, startDeadlineMs: config.provider.acquireDeadlineMs });
}
