/**
 * Whether a generated vipd config would load on the target node, checked
 * here with the loader's offline mode (no key file read, no interface
 * looked up): the same checks as `vipd check-config` without the host's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/loader';
import { asVipdError } from '../errors';

/** null when the YAML loads; otherwise the loader's message (every problem at once). */
export function offlineConfigProblems(yaml: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-import-'));
  try {
    const file = join(dir, 'vipd.yaml');
    writeFileSync(file, yaml);
    loadConfig(file, { env: {}, checkFiles: false });
    return null;
  } catch (e) {
    return asVipdError(e, 'VIPD_E_CONFIG').message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
