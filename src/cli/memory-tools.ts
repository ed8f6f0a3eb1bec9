import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { findNativeAddon, requireNativeAddon } from '../native/addons';
import type { MemoryTools } from '../runtime/memory-release';
import type { Logger } from '../util/logger';

/** The addon's surface (native/memory.c). */
interface MemoryBinding {
  releaseFreeMemory(): boolean | null;
}

/**
 * V8's `gc()` without `--expose-gc` on the command line: the flag is set for
 * one fresh context, which captures the function, and unset again, so no
 * module sees a global `gc` (jest's leak detector obtains it the same way).
 *
 * V8 12 and later (Node 22+) take `flavor: 'last-resort'`: a synchronous
 * full collection that also shrinks the young generation and frees pooled
 * pages (measured: 30 MB with the AWS SDK loaded). V8 11 (Node 20) reads
 * that options object as a request for a minor collection, so there it is
 * called bare: an ordinary full collection, which shrinks nothing
 * (`--max-semi-space-size` in the unit keeps Node 20's young generation small).
 */
export function exposeGarbageCollector(v8Version: string = process.versions.v8): (() => void) | null {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc !== 'function') return null;
  const collect = gc as (options?: object) => void;
  if (Number(v8Version.split('.')[0]) < 12) return () => collect();
  return () => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/**
 * The memory tools of this process: V8's collector and, where it loads,
 * vipd's malloc_trim addon. A missing addon is logged once and the daemon
 * runs without that step (it only gives memory back).
 */
export function processMemoryTools(logger: Logger, addonPath: string | null = findNativeAddon('vipd_memory')): MemoryTools {
  let trimCHeap: MemoryTools['trimCHeap'] = null;
  try {
    const binding = requireNativeAddon('vipd_memory', addonPath, 'VIPD_E_TOOL_MISSING') as unknown as MemoryBinding;
    trimCHeap = () => binding.releaseFreeMemory();
  } catch (err) {
    logger.warn({ err }, 'the memory release addon does not load: freed C-heap memory stays with the process');
  }
  return {
    collectGarbage: exposeGarbageCollector(),
    trimCHeap,
    residentBytes: () => process.memoryUsage.rss(),
  };
}
