import { VipdError, asVipdError } from '../errors';
import type { CommandRunner } from '../os/runner';
import { processClock, type MonotonicClock } from '../util/clock';
import type { Logger } from '../util/logger';

export type HookEvent = 'master' | 'backup' | 'fault' | 'stop';

export interface HookJob {
  readonly group: string;
  readonly event: HookEvent;
  /** The configured command; null = no hook for this event (the job is ignored). */
  readonly argv: readonly string[] | null;
  readonly timeoutMs: number;
  /** Extra environment, VIPD_* keys only (the group runner builds it: docs/trackers.md). */
  readonly context: Record<string, string>;
}

export interface NotifyHookRunnerDeps {
  readonly runner: CommandRunner;
  readonly logger: Logger;
  /** Base environment of every hook; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Pending (not yet started) hooks kept per group; the oldest is dropped beyond it. Default 100. */
  readonly maxPending?: number;
  readonly clock?: MonotonicClock;
  /** Told of every failed or timed-out hook (vipd_hook_failures_total). */
  readonly onFailure?: (group: string) => void;
}

interface GroupQueue {
  readonly pending: HookJob[];
  draining: Promise<void> | null;
}

const DEFAULT_MAX_PENDING = 100;
const CONTEXT_KEY = /^VIPD_[A-Z0-9_]+$/;
const MAX_LOGGED_OUTPUT = 500;

/**
 * Runs notify hooks one at a time per group, in the order they were
 * enqueued, each under its timeout. enqueue() never waits and never
 * throws for a hook's failure: failures and timeouts are logged with
 * VIPD_E_HOOK. Groups have independent queues so a hung hook of one group
 * cannot delay another group's notifications.
 */
export class NotifyHookRunner {
  private readonly queues = new Map<string, GroupQueue>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly maxPending: number;
  private readonly clock: MonotonicClock;

  constructor(private readonly deps: NotifyHookRunnerDeps) {
    this.env = deps.env ?? process.env;
    this.maxPending = deps.maxPending ?? DEFAULT_MAX_PENDING;
    this.clock = deps.clock ?? processClock;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) {
      throw new VipdError('VIPD_E_CONFIG', `notify hook queue bound must be an integer >= 1, got ${this.maxPending}`);
    }
  }

  /** Queues the hook and returns at once. Throws only for a malformed job (a bug in the caller). */
  enqueue(job: HookJob): void {
    for (const key of Object.keys(job.context)) {
      if (!CONTEXT_KEY.test(key)) {
        throw new VipdError('VIPD_E_INTERNAL', `hook context key ${JSON.stringify(key)} is not a VIPD_* variable`);
      }
    }
    if (job.argv === null) return;
    const log = this.deps.logger;
    if (job.argv.length === 0 || job.argv[0] === '') {
      log.error({ code: 'VIPD_E_HOOK', group: job.group, event: job.event }, `notify hook for ${job.event} has an empty command; not run`);
      return;
    }
    let queue = this.queues.get(job.group);
    if (queue === undefined) {
      queue = { pending: [], draining: null };
      this.queues.set(job.group, queue);
    }
    if (queue.pending.length >= this.maxPending) {
      const dropped = queue.pending.shift();
      log.warn(
        { code: 'VIPD_E_HOOK', group: job.group, dropped: dropped?.event, maxPending: this.maxPending },
        `notify hook queue of group ${job.group} is full (a hook keeps hanging?): dropped the oldest pending ${dropped?.event ?? ''} hook`,
      );
    }
    queue.pending.push(job);
    if (queue.draining === null) queue.draining = this.drain(queue);
  }

  /** Resolves once every queue is empty and no hook is running. */
  async idle(): Promise<void> {
    for (;;) {
      const draining = [...this.queues.values()].flatMap((q) => (q.draining === null ? [] : [q.draining]));
      if (draining.length === 0) return;
      await Promise.all(draining);
    }
  }

  private async drain(queue: GroupQueue): Promise<void> {
    // Let enqueue() return before the first spawn.
    await Promise.resolve();
    for (let job = queue.pending.shift(); job !== undefined; job = queue.pending.shift()) {
      await this.runOne(job);
    }
    queue.draining = null;
  }

  /** Never rejects: a hook's outcome is logged, not propagated. */
  private async runOne(job: HookJob): Promise<void> {
    const argv = job.argv ?? [];
    const [file = '', ...args] = argv;
    const env: NodeJS.ProcessEnv = { ...this.env, ...job.context, VIPD_GROUP: job.group, VIPD_EVENT: job.event };
    const fields = { group: job.group, event: job.event, command: argv };
    const startedAt = this.clock.nowMs();
    const log = this.deps.logger;
    try {
      const result = await this.deps.runner.run(file, args, { timeoutMs: job.timeoutMs, env, leaveBackground: true });
      const durationMs = Math.round(this.clock.nowMs() - startedAt);
      if (result.exitCode === 0) {
        log.info({ ...fields, durationMs }, `notify hook ${job.event} of group ${job.group} done`);
        return;
      }
      const err = new VipdError('VIPD_E_HOOK', `notify hook ${job.event} of group ${job.group} exited ${result.exitCode}`, {
        details: { ...fields, exitCode: result.exitCode, stderr: result.stderr.trim().slice(0, MAX_LOGGED_OUTPUT), durationMs },
      });
      log.warn({ err, code: err.code, ...fields, exitCode: result.exitCode, durationMs }, err.message);
      this.deps.onFailure?.(job.group);
    } catch (e) {
      const cause = asVipdError(e);
      const timedOut = cause.code === 'VIPD_E_COMMAND_TIMEOUT';
      const err = new VipdError(
        'VIPD_E_HOOK',
        timedOut
          ? `notify hook ${job.event} of group ${job.group} did not finish within ${job.timeoutMs} ms and was killed`
          : `notify hook ${job.event} of group ${job.group} could not run: ${cause.message}`,
        { cause, transient: cause.transient, details: { ...fields, cause: cause.code, timeoutMs: job.timeoutMs } },
      );
      log.warn({ err, code: err.code, cause: cause.code, ...fields, timedOut }, err.message);
      this.deps.onFailure?.(job.group);
    }
  }
}
