/**
 * Build step: `node dist/src/cli/gen-cli-docs.js OUT_DIR` writes the man page
 * (OUT_DIR/man/vipd.1) and the completions (OUT_DIR/completions/vipd.bash,
 * OUT_DIR/completions/_vipd) from the program in main.ts. The date is
 * SOURCE_DATE_EPOCH's when set, so a rebuild of one commit is identical.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCompletion, manPage, zshCompletion } from './cli-docs';
import { program } from './main';
import { packageVersion } from './version';

function main(): number {
  const out = process.argv[2];
  if (out === undefined) {
    process.stderr.write('usage: gen-cli-docs OUT_DIR\n');
    return 64;
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = (epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date()).toISOString().slice(0, 10);
  mkdirSync(join(out, 'man'), { recursive: true });
  mkdirSync(join(out, 'completions'), { recursive: true });
  writeFileSync(join(out, 'man', 'vipd.1'), manPage(program, packageVersion(), date));
  writeFileSync(join(out, 'completions', 'vipd.bash'), bashCompletion(program));
  writeFileSync(join(out, 'completions', '_vipd'), zshCompletion(program));
  return 0;
}

process.exitCode = main();
