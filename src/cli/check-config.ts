import { OFFLINE_SKIPPED, validateConfig, type ValidateConfigOptions } from '../config/validate-config';
import { asVipdError } from '../errors';
import { EXIT_CONFIG, EXIT_OK } from '../util/exit-codes';
import type { TextOut } from './text-out';

export interface CheckConfigOptions extends Pick<ValidateConfigOptions, 'env' | 'interfaces' | 'hostFiles' | 'loadArpSender'> {
  readonly offline?: boolean;
  readonly json?: boolean;
}

/**
 * `vipd check-config FILE`: the validation `vipd run` makes at start (validateConfig),
 * without starting (like `keepalived -t`). --offline: the file alone, host checks skipped and said so.
 */
export function checkConfigCommand(file: string, opts: CheckConfigOptions = {}, out: TextOut = process.stdout, err: TextOut = process.stderr): number {
  const offline = opts.offline === true;
  const skipped = offline ? [...OFFLINE_SKIPPED] : [];
  try {
    const config = validateConfig(file, { offline, env: opts.env, interfaces: opts.interfaces, hostFiles: opts.hostFiles, loadArpSender: opts.loadArpSender });
    const groups = config.groups.map((g) => g.name);
    if (opts.json === true) {
      out.write(`${JSON.stringify({ file, valid: true, offline, hostChecksSkipped: skipped, node: config.node.id, groups, problems: [] }, null, 2)}\n`);
    } else {
      out.write(`${file}: OK (node ${config.node.id}, ${groups.length} group(s): ${groups.join(', ')})\n`);
      if (offline) out.write(`offline: host checks skipped (${skipped.join(', ')}); run check-config on the host itself before deploying\n`);
    }
    return EXIT_OK;
  } catch (e) {
    const error = asVipdError(e, 'VIPD_E_CONFIG');
    if (opts.json === true) {
      const problems = Array.isArray(error.details['problems']) ? error.details['problems'] : [];
      out.write(
        `${JSON.stringify({ file, valid: false, offline, hostChecksSkipped: skipped, code: error.code, message: error.message, problems }, null, 2)}\n`,
      );
    }
    err.write(`${error.message}\n`);
    if (offline) err.write(`offline: host checks skipped (${skipped.join(', ')})\n`);
    return EXIT_CONFIG;
  }
}
