import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { asVipdError } from '../errors';
import { globPaths } from '../keepalived/glob';
import { mapKeepalived, type ImportNote } from '../keepalived/map';
import { offlineConfigProblems } from '../keepalived/offline-check';
import { parseKeepalived } from '../keepalived/parse';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../util/exit-codes';
import type { TextOut } from './text-out';

export interface ImportKeepalivedOptions {
  readonly file: string;
  readonly output: string | null;
  readonly nodeId: string | null;
  readonly peers: readonly string[];
  readonly configId: string | null;
  readonly keyFile: string;
}

/**
 * `vipd import-keepalived FILE`: the vipd config on stdout (or -o FILE), what
 * could not be carried over on stderr. Exit 0 when the config loads as it is,
 * 78 when it still needs a hand edit (the reason is printed), 78 too when the
 * keepalived file cannot be read or parsed.
 */
export function importKeepalivedCommand(opts: ImportKeepalivedOptions, out: TextOut = process.stdout, err: TextOut = process.stderr): number {
  const peers: { id: string; address: string }[] = [];
  for (const p of opts.peers) {
    const m = /^([^=]+)=(.+)$/.exec(p);
    if (m === null) {
      err.write(`vipd import-keepalived: --peer ${JSON.stringify(p)} is not ID=ADDRESS\n`);
      return EXIT_USAGE;
    }
    peers.push({ id: m[1] as string, address: m[2] as string });
  }
  const shortHost = hostname().split('.')[0] ?? 'node';
  let yaml: string;
  let notes: readonly ImportNote[];
  try {
    const parsed = parseKeepalived(resolve(opts.file), { read: (p) => readFileSync(p, 'utf8'), glob: globPaths }, { configId: opts.configId ?? shortHost });
    const mapped = mapKeepalived(parsed.statements, { nodeId: opts.nodeId, fallbackNodeId: shortHost, peers, keyFile: opts.keyFile });
    notes = [...parsed.notes.map((message) => ({ at: '', message })), ...mapped.notes];
    yaml = `# Imported from ${opts.file} by vipd import-keepalived; review it with docs/migrating-from-keepalived.md.\n${stringify(mapped.config)}`;
  } catch (e) {
    err.write(`vipd import-keepalived: ${asVipdError(e).message}\n`);
    return EXIT_CONFIG;
  }
  try {
    if (opts.output === null) out.write(yaml);
    else writeFileSync(opts.output, yaml, { mode: 0o644 });
  } catch (e) {
    err.write(`vipd import-keepalived: cannot write ${opts.output ?? 'stdout'}: ${asVipdError(e).message}\n`);
    return EXIT_FAILURE;
  }
  for (const n of notes) err.write(`${n.at === '' ? '' : `${n.at}: `}${n.message}\n`);
  const problems = offlineConfigProblems(yaml);
  if (problems !== null) {
    err.write(`the imported config does not load yet; edit it, then run vipd check-config:\n${problems}\n`);
    return EXIT_CONFIG;
  }
  return EXIT_OK;
}
