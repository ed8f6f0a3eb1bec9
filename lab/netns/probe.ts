import { createWriteStream } from 'node:fs';
import { request } from 'node:http';
import type { Writable } from 'node:stream';
import { intFlag, parseFlags } from '../cli-args';
import type { ProbeRecord } from './probe-analysis';

/**
 * The client's view of a failover: every intervalMs a NEW TCP connection
 * (no keep-alive) and an HTTP GET to target:port with a short timeout, each
 * attempt written as one NDJSON line (see ProbeRecord).
 *   node dist/lab/netns/probe.js --target 10.0.1.42 --port 8080 [--interval-ms 10] [--timeout-ms 250] [--out FILE]
 */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export function attempt(target: string, port: number, timeoutMs: number): Promise<ProbeRecord> {
  const t0 = nowMs();
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, node: string | null, error: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ t0, t1: nowMs(), ok, node, error });
    };
    const req = request({ host: target, port, path: '/', method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => (res.statusCode === 200 ? finish(true, body.trim(), null) : finish(false, null, `HTTP ${res.statusCode ?? '?'}`)));
      res.on('error', (e) => finish(false, null, e.message));
    });
    const timer = setTimeout(() => {
      finish(false, null, 'timeout');
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, null, e.code ?? e.message));
    req.end();
  });
}

export function runProbe(args: { target: string; port: number; intervalMs: number; timeoutMs: number; out: Writable }): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const start = nowMs();
  let n = 0;
  const tick = (): void => {
    if (stopped) return;
    const p = attempt(args.target, args.port, args.timeoutMs).then((r) => {
      args.out.write(`${JSON.stringify(r)}\n`);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    n++;
    // Scheduled against the start time so a slow tick does not shift every later one.
    setTimeout(tick, Math.max(0, start + n * args.intervalMs - nowMs()));
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      await Promise.all([...inFlight]);
    },
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['target', 'port', 'interval-ms', 'timeout-ms', 'out']);
  const target = flags.get('target');
  if (!target) throw new Error('--target is required');
  const port = intFlag(flags, 'port', null, 1, 65535);
  const intervalMs = intFlag(flags, 'interval-ms', 10, 1, 60_000);
  const timeoutMs = intFlag(flags, 'timeout-ms', 250, 1, 60_000);
  const file = flags.get('out');
  const out: Writable = file === undefined ? process.stdout : createWriteStream(file, { flags: 'a' });
  const probe = runProbe({ target, port, intervalMs, timeoutMs, out });
  process.stderr.write(`probing ${target}:${port} every ${intervalMs} ms\n`);
  const stop = (): void => {
    void probe.stop().then(() => {
      if (out === process.stdout) process.exit(0);
      out.end(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`probe: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
