#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_USAGE } from '../../src/util/exit-codes';
import { createRootLogger } from '../../src/util/root-logger';
import { VipdError, isVipdError } from '../../src/errors';
import { ExecFileRunner } from '../../src/os/exec-runner';
import { IpRouteFabric, LoggingFabric, type FabricProgrammer } from './fabric';
import { LabCloud } from './lab-cloud';
import type { ListenTarget } from './managed-server';
import { parseLabCloudSpec, type LabCloudSpec } from './spec';

/**
 * The lab cloud as a process:
 *
 *   node dist/lab/cloud/main.js --state cloud.json
 *        [--imds 169.254.169.254:80] [--api 10.0.1.1:8080]
 *        [--control 127.0.0.1:0 | --control-socket /run/lab/cloud.sock]
 *        [--propagation-ms 1500] [--fabric ip|none] [--fabric-netns NS] [--log-level info]
 *
 * Prints one JSON line on stdout once every listener is bound
 * ({"event":"ready","imdsUrl":...,"apiUrl":...,"controlUrl"|"controlSocket":...})
 * and logs NDJSON on stderr. `--fabric ip` runs `ip route replace` in the
 * current network namespace (run it inside the lab's fabric namespace), or
 * in `--fabric-netns NS`. Never point it at the host's own routing table.
 */
const USAGE =
  'usage: main.js --state FILE.json [--imds HOST:PORT] [--api HOST:PORT] [--control HOST:PORT | --control-socket PATH] [--propagation-ms N] [--fabric ip|none] [--fabric-netns NS] [--log-level LEVEL]';

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        state: { type: 'string' },
        imds: { type: 'string', default: '169.254.169.254:80' },
        api: { type: 'string', default: '127.0.0.1:0' },
        control: { type: 'string' },
        'control-socket': { type: 'string' },
        'propagation-ms': { type: 'string' },
        fabric: { type: 'string', default: 'none' },
        'fabric-netns': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const logger = createRootLogger(values['log-level'] ?? 'info', 2);
  try {
    if (values.state === undefined) throw usage('--state is required');
    if (values.control !== undefined && values['control-socket'] !== undefined) throw usage('give --control or --control-socket, not both');
    const propagation = values['propagation-ms'];
    if (propagation !== undefined && !/^[0-9]+$/.test(propagation)) throw usage('--propagation-ms must be a non-negative integer');
    let fabric: FabricProgrammer;
    if (values.fabric === 'ip') fabric = new IpRouteFabric(new ExecFileRunner({ timeoutMs: 5_000 }), { namespace: values['fabric-netns'] });
    else if (values.fabric === 'none') fabric = new LoggingFabric(logger);
    else throw usage('--fabric must be ip or none');
    if (values['fabric-netns'] !== undefined && values.fabric !== 'ip') throw usage('--fabric-netns needs --fabric ip');
    const control: ListenTarget | undefined =
      values['control-socket'] !== undefined ? { socketPath: values['control-socket'] } : values.control !== undefined ? hostPort(values.control) : undefined;
    const imds = hostPort(values.imds ?? '');
    const api = hostPort(values.api ?? '');
    const spec = await loadSpec(values.state);

    const cloud = new LabCloud(propagation === undefined ? spec : { ...spec, propagationDelayMs: Number(propagation) }, { fabric, logger });
    const endpoints = await cloud.start({ imds, api, control });
    process.stdout.write(`${JSON.stringify({ event: 'ready', ...endpoints })}\n`);

    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, 'lab cloud stopping');
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await cloud.stop();
    logger.flush();
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    logger.fatal({ err: message }, 'lab cloud failed');
    logger.flush();
    if (e instanceof UsageError) {
      process.stderr.write(`${message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    return isVipdError(e) && e.code === 'VIPD_E_CONFIG' ? EXIT_CONFIG : EXIT_FAILURE;
  }
}

class UsageError extends Error {}

async function loadSpec(path: string): Promise<LabCloudSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `cannot read the lab cloud state ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VipdError('VIPD_E_CONFIG', `lab cloud state ${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return parseLabCloudSpec(json);
}

function usage(message: string): UsageError {
  return new UsageError(message);
}

function hostPort(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):([0-9]{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) throw usage(`"${text}" is not HOST:PORT`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
