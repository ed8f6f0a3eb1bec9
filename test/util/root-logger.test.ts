import { Writable } from 'node:stream';
import { createRootLogger } from '../../src/util/root-logger';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('root logger', () => {
  it('writes NDJSON with a level label and child bindings', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream);
    log.child({ component: 'runtime' }).info({ group: 'web' }, 'hello');
    log.debug('not at info');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 'info', component: 'runtime', group: 'web', msg: 'hello' })]);
  });

  it('redacts secrets wherever they appear', () => {
    const out = capture();
    const log = createRootLogger('info', out.stream);
    log.info({ key: 'hunter2', token: 't0k', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/...' }, credentials: { secretAccessKey: 's3cr3t' }, err: { details: { token: 'inner' } } }, 'x');
    const text = JSON.stringify(out.lines());
    for (const secret of ['hunter2', 't0k', 'AKIA', 's3cr3t', 'inner']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
