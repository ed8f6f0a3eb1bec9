import * as common from 'oci-common';
import { routeOciSdkOutput, type ConsoleMethods } from '../../../src/cloud/oci/sdk-output';
import { routeProviderSdkOutput } from '../../../src/cloud/registry';
import type { Logger } from '../../../src/util/logger';

interface Entry {
  readonly level: string;
  readonly bindings: Record<string, unknown>;
  readonly obj: object;
  readonly msg: string | undefined;
}

function recordingLogger(entries: Entry[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      entries.push(typeof obj === 'string' ? { level, bindings, obj: {}, msg: obj } : { level, bindings, obj, msg });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (b) => recordingLogger(entries, { ...bindings, ...b }),
  };
}

function fakeConsole(printed: string[]): ConsoleMethods {
  const p =
    (name: string) =>
    (...args: unknown[]): void => {
      printed.push(`${name}: ${args.map(String).join(' ')}`);
    };
  return { log: p('log'), info: p('info'), warn: p('warn'), error: p('error'), debug: p('debug') };
}

describe('routeOciSdkOutput', () => {
  it("sends each console method and oci-common's LOG.logger to the logger, formatted, at a matching level; the undo restores both", () => {
    const entries: Entry[] = [];
    const printed: string[] = [];
    const target = fakeConsole(printed);
    const before = { ...target };
    const sdkLog = { logger: undefined as unknown as typeof common.LOG.logger };
    const undo = routeOciSdkOutput(recordingLogger(entries), { console: target, sdkLog });
    target.log('Retrying the request...');
    target.warn('Request failed with Exception : %s', 'fetch failed');
    target.info('No DEFAULT profile');
    target.debug('Attempting to parse range: %s', '1-2');
    target.error('boom', { code: 23 });
    sdkLog.logger.error('error reading region config file');
    expect(printed).toEqual([]);
    expect(entries.map((e) => [e.level, (e.obj as { via?: string }).via, e.msg])).toEqual([
      ['warn', 'console.log', 'Retrying the request...'],
      ['warn', 'console.warn', 'Request failed with Exception : fetch failed'],
      ['info', 'console.info', 'No DEFAULT profile'],
      ['debug', 'console.debug', 'Attempting to parse range: 1-2'],
      ['error', 'console.error', 'boom { code: 23 }'],
      ['error', 'LOG.logger.error', 'error reading region config file'],
    ]);
    expect(entries.every((e) => e.bindings.component === 'cloud' && e.bindings.provider === 'oci' && e.bindings.source === 'oci-sdk')).toBe(true);

    undo();
    expect(target).toEqual(before);
    expect(sdkLog.logger).toBeUndefined();
    target.log('after');
    expect(printed).toEqual(['log: after']);
  });

  it('a logger that itself writes to the console does not loop: that write reaches the original console', () => {
    const printed: string[] = [];
    const target = fakeConsole(printed);
    const loud: Logger = { ...recordingLogger([]), child: () => ({ ...recordingLogger([]), warn: () => target.error('logger trouble') }) };
    const undo = routeOciSdkOutput(loud, { console: target, sdkLog: { logger: undefined as unknown as typeof common.LOG.logger } });
    target.warn('x');
    undo();
    expect(printed).toEqual(['error: logger trouble']);
  });

  it('the registry installs it for provider oci only; plain L2 and aws leave the console alone', async () => {
    const original = console.log;
    const entries: Entry[] = [];
    for (const type of ['none', 'aws', 'gcp'] as const) {
      const undo = await routeProviderSdkOutput(type, recordingLogger(entries));
      expect(console.log).toBe(original);
      undo();
    }
    const undo = await routeProviderSdkOutput('oci', recordingLogger(entries));
    try {
      expect(console.log).not.toBe(original);
      expect(common.LOG.logger).toBeDefined();
    } finally {
      undo();
    }
    expect(console.log).toBe(original);
    expect(common.LOG.logger).toBeUndefined();
  });
});
