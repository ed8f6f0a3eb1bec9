import { spawnSync } from 'node:child_process';

/**
 * Tests that need an external tool (promtool, systemd-analyze, python3...)
 * skip with a message when it is absent, except when VIPD_REQUIRE_LAB=1 (CI),
 * where they run and fail: a green CI must not hide a missing install step.
 */
export function toolAvailable(command: string, args: readonly string[] = ['--version']): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** A test declared as with `it`: the only use the callers make of it. */
export type TestDeclaration = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

export function itWithTool(available: boolean, tool: string): TestDeclaration {
  if (available) return it;
  if (process.env.VIPD_REQUIRE_LAB === '1') {
    return (name) =>
      it(name, () => {
        throw new Error(`VIPD_REQUIRE_LAB=1 but ${tool} is not installed (scripts/setup.sh installs it)`);
      });
  }
  console.warn(`skipping tests that need ${tool}: not installed (set VIPD_REQUIRE_LAB=1 to fail instead)`);
  return it.skip;
}
