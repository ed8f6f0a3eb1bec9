/**
 * Writes docs/configuration.md from the schema.
 * Usage (from the repo root): npm run build && node dist/src/config/gen-docs.js [OUTPUT]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigDocs } from './docs';

export const CONFIG_DOCS_PATH = 'docs/configuration.md';

if (require.main === module) {
  const target = resolve(process.argv[2] ?? CONFIG_DOCS_PATH);
  writeFileSync(target, renderConfigDocs());
  console.log(`wrote ${target}`);
}
