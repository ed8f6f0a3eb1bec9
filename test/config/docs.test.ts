import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkValue, INVALID } from '../../src/config/check-value';
import { renderConfigDocs } from '../../src/config/docs';
import { CONFIG_DOCS_PATH } from '../../src/config/gen-docs';
import { ITEM_TABLES } from '../../src/config/group-items';
import { ConfigProblem } from '../../src/config/problems';
import { schemaLeaves } from '../../src/config/schema';

const REGENERATE = 'npm run build && node dist/src/config/gen-docs.js';

describe('docs/configuration.md', () => {
  test('matches renderConfigDocs()', () => {
    const committed = readFileSync(join(__dirname, '..', '..', CONFIG_DOCS_PATH), 'utf8');
    if (committed !== renderConfigDocs()) {
      throw new Error(`docs/configuration.md is out of date with src/config; regenerate it with: ${REGENERATE}`);
    }
  });

  test('documents every key, every env var and every item field', () => {
    const docs = renderConfigDocs();
    for (const { path, leaf } of schemaLeaves()) {
      expect(docs).toContain(`| \`${path}\` |`);
      if (leaf.env !== undefined) expect(docs).toContain(`\`${leaf.env}\``);
    }
    for (const { key, item } of ITEM_TABLES) {
      expect(docs).toContain(`### \`${key}\``);
      const fields = [...Object.keys(item.fields), ...Object.values(item.variants?.byValue ?? {}).flatMap((f) => Object.keys(f))];
      for (const field of fields) expect(docs).toContain(`| \`${field}\` |`);
    }
  });
});

describe('schema', () => {
  const toEnvName = (path: string): string =>
    `VIPD_${path
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()}`;

  test('every scalar key has a doc and a VIPD_* variable named after its path', () => {
    const leaves = schemaLeaves();
    expect(leaves.length).toBeGreaterThan(20);
    for (const { path, leaf } of leaves) {
      expect(leaf.doc.length).toBeGreaterThan(10);
      // Lists of items (groups, GCP peers) have no environment form.
      if (path === 'groups' || path === 'provider.gcp.peers') expect(leaf.env).toBeUndefined();
      else expect(leaf.env).toBe(toEnvName(path));
    }
    const envs = leaves.flatMap(({ leaf }) => (leaf.env === undefined ? [] : [leaf.env]));
    expect(new Set(envs).size).toBe(envs.length);
  });

  test('every default validates against its own spec', () => {
    const problems: ConfigProblem[] = [];
    const ctx = { problems, resolveRef: () => 9476 };
    for (const { path, leaf } of schemaLeaves()) {
      if (leaf.default === null && leaf.vipd.kind !== 'nullable') continue; // required
      expect(checkValue(leaf.vipd, leaf.default, path, ctx)).not.toBe(INVALID);
    }
    for (const { key, item } of ITEM_TABLES) {
      for (const [name, field] of Object.entries(item.fields)) {
        if ('value' in field.default) expect(checkValue(field.spec, field.default.value, `${key}.${name}`, ctx)).not.toBe(INVALID);
      }
    }
    expect(problems).toEqual([]);
  });
});
