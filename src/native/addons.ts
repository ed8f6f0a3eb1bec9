import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VipdError } from '../errors';

/**
 * vipd's own native addons (binding.gyp): N-API only, so one build loads on
 * every supported Node major. Each is looked up in the package root's
 * build/Release, where `npm ci` (node-gyp) and the release tarball put it.
 */
export const NATIVE_ADDONS = {
  /** Gratuitous ARP from this process (native/garp.c); needed with os.arp.sender: native. */
  vipd_garp: { exports: 'sendGratuitousArp', purpose: 'in-process ARP sender' },
  /** sd_notify datagrams (native/notify.c); needed under systemd (NOTIFY_SOCKET). */
  vipd_notify: { exports: 'sendNotify', purpose: 'systemd notify transport' },
  /** Returns the C heap's free pages to the kernel (native/memory.c); optional, the daemon runs without it. */
  vipd_memory: { exports: 'releaseFreeMemory', purpose: 'memory release (malloc_trim)' },
} as const;

export type NativeAddonName = keyof typeof NATIVE_ADDONS;

/** The package root's build of `name`, searched upwards from `from`; null when not built. */
export function findNativeAddon(name: NativeAddonName, from: string = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const candidate = join(dir, 'build', 'Release', `${name}.node`);
      return existsSync(candidate) ? candidate : null;
    }
    if (dirname(dir) === dir) return null;
  }
}

const BUILD_FIX = 'build it with `npm ci` or `npm run build:native` (needs python3, make and a C compiler), or reinstall the release tarball';

/** What an addon is known to export once loaded: its function (the signature is the C side's promise, declared by its user). */
export type NativeBinding<N extends NativeAddonName> = { readonly [F in (typeof NATIVE_ADDONS)[N]['exports']]: (...args: unknown[]) => unknown };

function exportsFunction<F extends string>(binding: unknown, fn: F): binding is { readonly [K in F]: (...args: unknown[]) => unknown } {
  return typeof binding === 'object' && binding !== null && typeof Reflect.get(binding, fn) === 'function';
}

/**
 * Loads `name` from `path` and checks it is ours (it has the expected
 * function). Throws a VipdError with `code` naming what cannot be loaded and
 * why (not built, not loadable with this Node/C library, not vipd's).
 */
export function requireNativeAddon<N extends NativeAddonName>(
  name: N,
  path: string | null,
  code: 'VIPD_E_TOOL_MISSING' | 'VIPD_E_SD_NOTIFY',
  alternative = '',
): NativeBinding<N> {
  const { purpose, exports: fn } = NATIVE_ADDONS[name];
  const fix = BUILD_FIX + alternative;
  if (path === null) throw new VipdError(code, `the ${purpose} (build/Release/${name}.node) is not built: ${fix}`, { details: { addon: name } });
  let binding: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon has no ES module form
    binding = require(path);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new VipdError(code, `the ${purpose} ${path} does not load with Node ${process.versions.node} (${why}): ${fix}`, {
      cause: e,
      details: { addon: name, path },
    });
  }
  if (!exportsFunction(binding, fn)) {
    throw new VipdError(code, `${path} is not vipd's ${purpose} (no ${fn}()): ${fix}`, { details: { addon: name, path } });
  }
  return binding;
}

export interface NativeAddonLoad {
  readonly name: NativeAddonName;
  readonly purpose: string;
  readonly path: string | null;
  /** null when it loaded and is vipd's; else why not (code VIPD_E_TOOL_MISSING). */
  readonly error: VipdError | null;
}

/**
 * Loads every native addon once, the way the daemon would, and reports each:
 * for doctor, install.sh and the tarball build, which must see a Node upgrade
 * that breaks an addon before the unit restart-loops on it.
 */
export function loadNativeAddons(from: string = __dirname): NativeAddonLoad[] {
  return (Object.keys(NATIVE_ADDONS) as NativeAddonName[]).map((name) => {
    const path = findNativeAddon(name, from);
    try {
      requireNativeAddon(name, path, 'VIPD_E_TOOL_MISSING');
      return { name, purpose: NATIVE_ADDONS[name].purpose, path, error: null };
    } catch (e) {
      return { name, purpose: NATIVE_ADDONS[name].purpose, path, error: e as VipdError };
    }
  });
}
