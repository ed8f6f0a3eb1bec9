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

export function itWithTool(available: boolean, tool: string): jest.It {
  if (available) return it;
  if (process.env.VIPD_REQUIRE_LAB === '1') {
    return ((name: string) =>
      it(name, () => {
        throw new Error(`VIPD_REQUIRE_LAB=1 but ${tool} is not installed (scripts/setup.sh installs it)`);
      })) as unknown as jest.It;
  }
  console.warn(`skipping tests that need ${tool}: not installed (set VIPD_REQUIRE_LAB=1 to fail instead)`);
  return it.skip;
}
