import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { isVipdError, VipdError } from '../../src/errors';
import { InterfaceLookup, loadConfig, LoadConfigOptions } from '../../src/config/loader';
import type { ConfigProblem } from '../../src/config/problems';
import type { VipdConfig } from '../../src/config/types';

export interface Fixture {
  readonly dir: string;
  readonly keyFile: string;
  /** Writes a file in the fixture directory and returns its path. */
  write(name: string, content: string | Buffer, mode?: number): string;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-config-'));
  const write = (name: string, content: string | Buffer, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  const keyFile = write('heartbeat.key', 'c2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNDU2Nzg=\n');
  return { dir, keyFile, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** eth0 holds 10.0.1.11/24 and fd00:1::11/64; nothing else exists. */
export const HOST: InterfaceLookup = (name) =>
  name === 'eth0'
    ? [
        { address: '10.0.1.11', prefix: 24, family: 'IPv4' },
        { address: 'fe80::1', prefix: 64, family: 'IPv6' },
        { address: 'fd00:1::11', prefix: 64, family: 'IPv6' },
      ]
    : null;

export type Doc = Record<string, unknown>;

export function baseConfig(keyFile: string): Doc {
  return {
    node: { id: 'node-a' },
    heartbeat: { keyFile },
    groups: [{ name: 'web', id: 1, interface: 'eth0', vips: ['10.0.1.50'], peers: [{ id: 'node-b', address: '10.0.1.12' }] }],
  };
}

/** The first group of a base config, for tests that change it in place. */
export function group0(doc: Doc): Doc {
  const groups = doc['groups'];
  if (!Array.isArray(groups) || typeof groups[0] !== 'object' || groups[0] === null) throw new Error('fixture has no group');
  return groups[0] as Doc;
}

export function load(fx: Fixture, doc: Doc | string, opts: LoadConfigOptions = {}, name = 'vipd.yaml'): VipdConfig {
  const path = fx.write(name, typeof doc === 'string' ? doc : stringify(doc));
  return loadConfig(path, { env: {}, interfaces: HOST, ...opts });
}

export function loadError(fx: Fixture, doc: Doc | string, opts: LoadConfigOptions = {}, name = 'vipd.yaml'): VipdError {
  try {
    load(fx, doc, opts, name);
  } catch (e) {
    if (isVipdError(e)) return e;
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

export function problemsOf(error: VipdError): ConfigProblem[] {
  const problems = error.details['problems'];
  if (!Array.isArray(problems)) throw new Error('error has no details.problems');
  return problems as ConfigProblem[];
}
