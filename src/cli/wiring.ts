import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { GroupConfig, VipdConfig } from '../config/types';
import { readKeyFile } from '../config/key-file';
import { HeartbeatService, type HeartbeatGroup } from '../heartbeat/service';
import { PeerProber } from '../heartbeat/prober';
import { UdpTransport } from '../heartbeat/transport';
import { vipDigest } from '../heartbeat/vip-digest';
import { epochSilenceMs } from '../heartbeat/boot-epoch';
import { NotifyHookRunner } from '../hooks/notify-runner';
import { ExecFileRunner } from '../os/exec-runner';
import type { CommandRunner } from '../os/runner';
import type { HeartbeatHandlers, HeartbeatPort } from '../runtime/daemon';
import type { TrackerSetFactory } from '../runtime/ports';
import { GroupTrackers, defaultCheckFactory, type TrackerCarryOver } from '../trackers/group-trackers';
import { processClock, type MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';

export function heartbeatGroups(groups: readonly GroupConfig[]): HeartbeatGroup[] {
  return groups.map((g) => ({ id: g.id, name: g.name, peers: g.peers, vipDigest: vipDigest(g.vips.map((v) => v.address)) }));
}

export function readHeartbeatKeys(config: VipdConfig): { current: Buffer; next: Buffer | null } {
  return {
    current: readKeyFile(config.heartbeat.keyFile),
    next: config.heartbeat.nextKeyFile ? readKeyFile(config.heartbeat.nextKeyFile) : null,
  };
}

export function heartbeatFactory(logger: Logger, epoch: bigint): (config: VipdConfig, handlers: HeartbeatHandlers) => HeartbeatPort {
  return (config, handlers) => {
    const log = logger.child({ component: 'heartbeat' });
    const service = new HeartbeatService({
      transport: new UdpTransport({ bindAddress: config.heartbeat.bind, port: config.heartbeat.port, logger: log }),
      prober: new PeerProber({ bindAddress: config.heartbeat.bind, logger: log }),
      onRefused: (groupId, peerId) => handlers.onRefused(groupId, peerId),
      keys: readHeartbeatKeys(config),
      nodeId: config.node.id,
      groups: heartbeatGroups(config.groups),
      epoch,
      clock: processClock,
      epochSilenceMs: epochSilenceMs(config.groups),
      logger: log,
      onAdvert: (groupId, advert) => handlers.onAdvert(groupId, advert),
      onReject: (reason, from) => handlers.onReject(reason, from),
    });
    return {
      start: () => service.start(),
      close: () => service.close(),
      sendAdvert: (groupId, advert, to) => service.sendAdvert(groupId, advert, to),
      probe: (groupId, peerId) => service.probe(groupId, peerId),
      updateGroups: (groups) => {
        service.updateGroups(heartbeatGroups(groups));
        service.setEpochSilenceMs(epochSilenceMs(groups));
      },
      updateKeys: (next) => service.updateKeys(readHeartbeatKeys(next)),
    };
  };
}

export function trackerFactory(deps: { runner: CommandRunner; clock: MonotonicClock; logger: Logger }): TrackerSetFactory {
  const checks = defaultCheckFactory({ runner: deps.runner, readFile: (p) => fsp.readFile(p, 'utf8') });
  return (group, onChange, carryOver) =>
    new GroupTrackers({
      carryOver: carryOver instanceof Map ? (carryOver as TrackerCarryOver) : undefined,
      trackers: group.trackers,
      checks,
      clock: deps.clock,
      logger: deps.logger.child({ component: 'trackers', group: group.name }),
      onChange,
    });
}

export function hookRunner(runner: CommandRunner, logger: Logger, onFailure: (group: string) => void): NotifyHookRunner {
  return new NotifyHookRunner({ runner, logger: logger.child({ component: 'hooks' }), onFailure });
}

export function defaultRunner(config: VipdConfig): ExecFileRunner {
  return new ExecFileRunner({ timeoutMs: config.os.commandTimeoutMs });
}

/** Uniform in [0, 1) from 48 random bits (randomInt's range stops at 2^48 - 1, so not randomInt(0, 2 ** 48)). */
export const cryptoRandom = (): number => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
