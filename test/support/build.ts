import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Tests that spawn dist/ files (the daemon, the lab's probe and service)
 * call ensureBuilt() in beforeAll, so a test never runs stale code. It
 * compiles only when some src/, lab/ or bench/ file is newer than its compiled
 * output, and tolerates type errors elsewhere in the tree (tsc still
 * emits) as long as every output is fresh afterwards. A lock directory
 * keeps parallel jest runs from compiling over each other.
 */
const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const LOCK = join(DIST, '.build-lock');
const LOCK_STALE_MS = 300_000;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Source files whose compiled .js is missing or older than the source. */
export function staleOutputs(): string[] {
  const sources = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'lab')), ...sourceFiles(join(ROOT, 'bench'))];
  return sources.filter((src) => {
    const out = join(DIST, relative(ROOT, src)).replace(/\.ts$/, '.js');
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function takeLock(): void {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      try {
        // File times are wall-clock by nature; a lock older than this was left by a killed run.
        if (Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // The holder just released it: try again.
      }
      sleepSync(200);
    }
  }
}

export function ensureBuilt(): void {
  if (staleOutputs().length === 0) return;
  takeLock();
  try {
    // Another run may have built while we waited for the lock.
    if (staleOutputs().length === 0) return;
    let diagnostics = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
        cwd: ROOT,
        stdio: 'pipe',
        timeout: 300_000,
      });
    } catch (e) {
      const out = e as { stdout?: Buffer; stderr?: Buffer };
      diagnostics = `${out.stdout?.toString() ?? ''}${out.stderr?.toString() ?? ''}`;
    }
    const stale = staleOutputs();
    if (stale.length > 0) {
      throw new Error(`build did not produce fresh output for ${stale.slice(0, 5).join(', ')}\n${diagnostics.slice(0, 4000)}`);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
