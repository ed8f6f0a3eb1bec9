import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VipdError } from '../../src/errors';

/**
 * The Node flags between `node` and `main.js` in a unit's ExecStart: the
 * lab starts vipd with the shipped unit's flags, so what it measures
 * (memory above all) is what production runs.
 */
export function unitNodeFlags(unitText: string): string[] {
  const line = unitText.split('\n').find((l) => l.startsWith('ExecStart='));
  if (line === undefined) throw new VipdError('VIPD_E_CONFIG', 'the unit has no ExecStart= line');
  const words = line.slice('ExecStart='.length).trim().split(/\s+/);
  const main = words.findIndex((w) => w.endsWith('/cli/main.js'));
  if (main < 1) throw new VipdError('VIPD_E_CONFIG', `the unit's ExecStart does not run node .../cli/main.js: ${line}`);
  return words.slice(1, main);
}

/** The flags of the repository's systemd/vipd.service; `distDir` is the compiled tree inside the repository. */
export function shippedNodeFlags(distDir: string): string[] {
  return unitNodeFlags(readFileSync(join(distDir, '..', 'systemd', 'vipd.service'), 'utf8'));
}
