import type { ScenarioDeps } from '../../lab/scenario/scenario';
import { hostScenarioDeps } from '../../lab/scenario/deps';
import type { LabProcess, ProcessSpawner } from '../../lab/netns/spawner';
import type { Logger } from '../../src/util/logger';
import { parseStrictJson } from './strict-json';

/**
 * Log lines, from any vipd a test started, that a strict JSON parser rejects
 * (a repeated key, which Elasticsearch answers with a 400). Every test file
 * that starts vipd through the shared support imports this module, so the
 * check after each test runs without the test asking for it.
 */
const badLogLines: string[] = [];
const watched: Array<{ name: string; process: LabProcess }> = [];

afterEach(() => {
  for (const w of watched.splice(0)) checkLogText(w.name, w.process.stdout());
  const bad = badLogLines.splice(0);
  if (bad.length > 0) throw new Error(`vipd wrote ${bad.length} log line(s) a strict JSON parser rejects:\n${bad.slice(0, 5).join('\n')}`);
});

/** Checks one line; a line that is not JSON at all (CLI text, a cut first line of a bounded buffer) is not a log line. */
export function checkLogLine(name: string, line: string): void {
  if (!line.startsWith('{')) return;
  try {
    JSON.parse(line);
  } catch {
    return;
  }
  try {
    parseStrictJson(line);
  } catch (e) {
    badLogLines.push(`${name}: ${(e as Error).message}`);
  }
}

export function checkLogText(name: string, text: string): void {
  for (const line of text.split('\n')) checkLogLine(name, line);
}

/** The lab's real spawner, with every vipd daemon's stdout checked after the test. */
export function strictSpawner(inner: ProcessSpawner): ProcessSpawner {
  return {
    spawn(argv, options) {
      const p = inner.spawn(argv, options);
      const main = argv.findIndex((a) => a.endsWith('/cli/main.js'));
      if (main >= 0 && argv[main + 1] === 'run') watched.push({ name: `vipd pid ${p.pid}`, process: p });
      return p;
    },
  };
}

/** hostScenarioDeps for lab tests: the same machine, the daemons' log lines checked. */
export function strictScenarioDeps(logger: Logger): ScenarioDeps {
  const deps = hostScenarioDeps(logger);
  return { ...deps, spawner: strictSpawner(deps.spawner) };
}
