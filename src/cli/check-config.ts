import { loadConfig } from '../config/loader';
import { asVipdError } from '../errors';
import { EXIT_CONFIG, EXIT_OK } from '../util/exit-codes';

/** `vipd check-config FILE`: the same checks `vipd run` makes, without starting (like `keepalived -t`). */
export function checkConfigCommand(file: string, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  try {
    const config = loadConfig(file);
    out.write(`${file}: OK (node ${config.node.id}, ${config.groups.length} group(s): ${config.groups.map((g) => g.name).join(', ')})\n`);
    return EXIT_OK;
  } catch (e) {
    err.write(`${asVipdError(e, 'VIPD_E_CONFIG').message}\n`);
    return EXIT_CONFIG;
  }
}
