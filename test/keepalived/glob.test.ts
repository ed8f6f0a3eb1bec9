import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandBraces, globPaths } from '../../src/keepalived/glob';

describe('globPaths (keepalived include patterns)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-glob-'));
  beforeAll(() => {
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'sub', 'x'), { recursive: true });
    for (const f of ['conf.d/b.conf', 'conf.d/a.conf', 'conf.d/.hidden.conf', 'conf.d/c.txt', 'sub/x/y.conf', 'one.conf']) writeFileSync(join(dir, f), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches * ? [..] per segment, sorted, without dot files', () => {
    expect(globPaths(`${dir}/conf.d/*.conf`)).toEqual([`${dir}/conf.d/a.conf`, `${dir}/conf.d/b.conf`]);
    expect(globPaths(`${dir}/conf.d/?.[ct]*`)).toEqual([`${dir}/conf.d/a.conf`, `${dir}/conf.d/b.conf`, `${dir}/conf.d/c.txt`]);
    expect(globPaths(`${dir}/*/x/*.conf`)).toEqual([`${dir}/sub/x/y.conf`]);
    expect(globPaths(`${dir}/conf.d/[!a]*.conf`)).toEqual([`${dir}/conf.d/b.conf`]);
  });

  it('expands braces and returns a plain path only when it exists', () => {
    expect(globPaths(`${dir}/{one.conf,conf.d/a.conf,absent.conf}`)).toEqual([`${dir}/conf.d/a.conf`, `${dir}/one.conf`]);
    expect(globPaths(`${dir}/absent/*.conf`)).toEqual([]);
    expect(expandBraces('{foo/{,cat,dog},bar}')).toEqual(['foo/', 'foo/cat', 'foo/dog', 'bar']);
  });
});
