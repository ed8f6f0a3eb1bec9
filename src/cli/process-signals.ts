/**
 * Which signal does what in `vipd run` (docs/operations.md, "Signals").
 * Every signal whose default action would end the process is handled: a
 * daemon killed by its default action leaves its VIPs configured while a
 * peer takes over (a duplicate address on the segment).
 */
export type SignalAction = 'stop' | 'reload' | 'dump-state' | 'dump-counters';

/**
 * One name per signal number (SIGIOT is SIGABRT, SIGPOLL is SIGIO on Linux:
 * a second name would run the same action twice). Not here, and why:
 * SIGKILL and SIGSTOP cannot be caught; SIGSEGV, SIGBUS, SIGFPE and SIGILL
 * raised by a real fault re-run the faulting instruction after a handler
 * returns (Node refuses to promise anything for them); SIGPIPE is ignored by
 * Node itself (writes fail with EPIPE instead); the real-time signals
 * (SIGRTMIN..SIGRTMAX) are not available to JavaScript.
 */
export const SIGNAL_ACTIONS: ReadonlyArray<readonly [NodeJS.Signals, SignalAction]> = [
  ['SIGHUP', 'reload'],
  ['SIGUSR1', 'dump-state'],
  ['SIGUSR2', 'dump-counters'],
  ['SIGTERM', 'stop'],
  ['SIGINT', 'stop'],
  ['SIGQUIT', 'stop'],
  ['SIGABRT', 'stop'],
  ['SIGTRAP', 'stop'],
  ['SIGSYS', 'stop'],
  ['SIGALRM', 'stop'],
  ['SIGVTALRM', 'stop'],
  ['SIGPROF', 'stop'],
  ['SIGIO', 'stop'],
  ['SIGPWR', 'stop'],
  ['SIGXCPU', 'stop'],
  ['SIGXFSZ', 'stop'],
  ['SIGSTKFLT', 'stop'],
];

/** V8's sampling profiler drives itself with SIGPROF: under --prof/--cpu-prof the signal is V8's, not a stop. */
const PROFILER_FLAGS = ['--prof', '--cpu-prof'];

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The signals handled in a process started with these Node flags (process.execArgv). */
export function handledSignals(execArgv: readonly string[]): ReadonlyArray<readonly [NodeJS.Signals, SignalAction]> {
  const profiling = execArgv.some((a) => PROFILER_FLAGS.some((f) => a === f || a.startsWith(`${f}=`) || a.startsWith(`${f}-`)));
  return SIGNAL_ACTIONS.filter(([s]) => !(profiling && s === 'SIGPROF'));
}

/**
 * Listens for every handled signal and passes each to `onSignal` with its
 * action. Returns the function that removes the listeners again, except
 * SIGUSR1's (see inspector-guard.ts: the process must never be left without
 * a SIGUSR1 listener) and SIGUSR2's (its default action would kill a daemon
 * still flushing its last log lines).
 */
export function listenForSignals(
  source: SignalSource,
  execArgv: readonly string[],
  onSignal: (signal: NodeJS.Signals, action: SignalAction) => void,
): () => void {
  const installed: Array<[NodeJS.Signals, (s: NodeJS.Signals) => void]> = [];
  for (const [signal, action] of handledSignals(execArgv)) {
    const listener = (): void => onSignal(signal, action);
    source.on(signal, listener);
    installed.push([signal, listener]);
  }
  return () => {
    for (const [signal, listener] of installed) {
      if (signal !== 'SIGUSR1' && signal !== 'SIGUSR2') source.off(signal, listener);
    }
  };
}
