import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../src/errors';

/** Like fastify's error catalog test: every code documented, no documented code stale. */
describe('docs/errors.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^### (VIPD_E_[A-Z0-9_]+)/gm)].map((m) => m[1]);

  it('documents every error code', () => {
    const missing = Object.keys(ERROR_CODES).filter((c) => !documented.includes(c));
    expect(missing).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const stale = documented.filter((c) => c === undefined || !(c in ERROR_CODES));
    expect(stale).toEqual([]);
  });
});
