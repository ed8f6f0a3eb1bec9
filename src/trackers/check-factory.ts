import { VipdError } from '../errors';
import type { CommandRunner } from '../os/runner';
import { HttpCheck } from './http-check';
import { LinkCheck, type ReadTextFile } from './link-check';
import { ScriptCheck } from './script-check';
import { TcpCheck } from './tcp-check';
import type { TrackerCheckFactory } from './tracker-check';

/** The production checks: scripts through the CommandRunner, link state through readFile. */
export function defaultCheckFactory(deps: { runner: CommandRunner; readFile: ReadTextFile }): TrackerCheckFactory {
  return (config) => {
    switch (config.type) {
      case 'script':
        return new ScriptCheck(deps.runner, config.command, config.args);
      case 'http':
        return new HttpCheck(config.url, config.expectStatus);
      case 'tcp':
        return new TcpCheck(config.host, config.port);
      case 'link':
        return new LinkCheck(deps.readFile, config.interface);
      default: {
        // Reachable only with a config that bypassed the loader's validation.
        const unknown: { type?: unknown } = config;
        throw new VipdError('VIPD_E_CONFIG', `unknown tracker type ${JSON.stringify(unknown.type)}`);
      }
    }
  };
}
