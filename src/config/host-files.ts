/**
 * Host checks on files the configuration names, beyond the key files: the
 * programs of notify hooks and script trackers, and node.stateDir. Failing
 * any of them would make `vipd run` fail later, at the worst moment (a
 * hook that cannot run at a failover, a maintenance that cannot be saved),
 * so check-config and run refuse them at start. The file system is
 * injected so tests describe a host instead of depending on this one.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { IndexedGroup } from './semantics';
import { ConfigProblem, invalidValue } from './problems';
import type { VipdConfig } from './types';

export type PathKind = 'missing' | 'file' | 'directory' | 'other';

export interface HostFiles {
  kind(path: string): PathKind;
  executable(path: string): boolean;
}

export const systemHostFiles: HostFiles = {
  kind: (path) => {
    try {
      const st = statSync(path);
      return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      // ENOENT, ENOTDIR, EACCES on a parent: in every case the program cannot be started from here.
      return 'missing';
    }
  },
  executable: (path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** Why `path` (absolute: the schema requires it) cannot be started as a program, or null. */
export function programProblem(path: string, files: HostFiles): string | null {
  const kind = files.kind(path);
  if (kind === 'missing') return `an existing program (${path} does not exist)`;
  if (kind !== 'file') return `a program file (${path} is a ${kind === 'directory' ? 'directory' : 'special file'})`;
  if (!files.executable(path)) return `an executable program (${path} is not executable: chmod +x)`;
  return null;
}

export function checkHostFiles(config: VipdConfig, invalidKeys: ReadonlySet<string>, groups: readonly IndexedGroup[], files: HostFiles): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!invalidKeys.has('node.stateDir')) {
    const kind = files.kind(config.node.stateDir);
    if (kind !== 'directory') {
      const why = kind === 'missing' ? 'it does not exist' : 'it is not a directory';
      problems.push(
        invalidValue(
          'node.stateDir',
          config.node.stateDir,
          `an existing directory for the saved maintenance state (${why}; the unit creates it with StateDirectory=vipd)`,
        ),
      );
    }
  }
  for (const { index, group } of groups) {
    for (const event of ['master', 'backup', 'fault', 'stop'] as const) {
      const argv = group.notify[event];
      const file = argv?.[0];
      if (file === undefined || file === '') continue;
      const why = programProblem(file, files);
      if (why !== null) problems.push(invalidValue(`groups[${index}].notify.${event}[0]`, file, why));
    }
    group.trackers.forEach((tracker, t) => {
      if (tracker.type !== 'script') return;
      const why = programProblem(tracker.command, files);
      if (why !== null) problems.push(invalidValue(`groups[${index}].trackers[${t}].command`, tracker.command, why));
    });
  }
  return problems;
}
