/**
 * Whether a generated vipd config would load on the target node: exactly
 * `vipd check-config --offline` (schema and cross checks; no key file read,
 * no interface or program looked up).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../config/validate-config';
import { asVipdError } from '../errors';

/** null when the YAML loads; otherwise the loader's message (every problem at once). */
export function offlineConfigProblems(yaml: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-import-'));
  try {
    const file = join(dir, 'vipd.yaml');
    writeFileSync(file, yaml);
    validateConfig(file, { offline: true, env: {} });
    return null;
  } catch (e) {
    return asVipdError(e, 'VIPD_E_CONFIG').message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
