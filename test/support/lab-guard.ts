import { spawnSync } from 'node:child_process';

/**
 * describeLab: a describe() for tests that need network namespaces. Without
 * root (or a working `ip netns`) they are skipped with a reason, unless
 * VIPD_REQUIRE_LAB=1 (CI), where the same condition fails the run: a CI
 * that silently skipped the namespace tests would prove nothing.
 */
export const LAB_SKIP_MESSAGE = 'needs root for network namespaces: run as root or see docs/lab.md';

export function labUnavailableReason(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return LAB_SKIP_MESSAGE;
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `\`ip netns\` cannot run (${r.error.message}): install iproute2 (see docs/lab.md)`;
  if (r.status !== 0) return `\`ip netns list\` failed (${r.stderr.trim()}): ${LAB_SKIP_MESSAGE}`;
  return null;
}

let cached: { reason: string | null } | null = null;

export function describeLab(name: string, fn: () => void): void {
  cached = cached ?? { reason: labUnavailableReason() };
  const reason = cached.reason;
  if (reason === null) {
    describe(name, fn);
  } else if (process.env.VIPD_REQUIRE_LAB === '1') {
    describe(name, () => {
      it('has network namespaces (VIPD_REQUIRE_LAB=1)', () => {
        throw new Error(`lab tests are required here but cannot run: ${reason}`);
      });
    });
  } else {
    console.warn(`skipping "${name}": ${reason}`);
    describe.skip(`${name} (skipped: ${reason})`, fn);
  }
}
