/**
 * Loads a YAML or JSON file, applies VIPD_*
 * environment overrides (they win over the file), validates every key, every
 * group item and the cross-key rules, checks the key files and interfaces of
 * this host, and returns one deep-frozen VipdConfig. Every problem found is
 * reported at once in a single VIPD_E_CONFIG error.
 */
import { readFileSync } from 'node:fs';
import { isVipdError } from '../errors';
import { checkItem, INVALID, isMapping } from './check-value';
import { ConfigParseError, parseJsonDocument, parseYamlDocument } from './documents';
import { deepFreeze } from './deep-freeze';
import { GROUP_ITEM } from './group-items';
import { checkHostFiles, type HostFiles } from './host-files';
import { InterfaceLookup, systemInterfaceLookup } from './interfaces';
import { readKeyFile } from './key-file';
import { configError, ConfigProblem, customProblem, FILE_KEY } from './problems';
import { checkSemantics, IndexedGroup } from './semantics';
import { checkTree, lookupKey } from './tree-check';
import type { GroupConfig, VipdConfig } from './types';
import { withVipValues } from './vip-values';

export type { InterfaceLookup } from './interfaces';

export interface LoadConfigOptions {
  /** Environment for VIPD_* overrides; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How interfaces are looked up; default: this host's (os.networkInterfaces) unless checkFiles is false. */
  interfaces?: InterfaceLookup;
  /**
   * false: check the file alone, as for another machine: key files are not
   * read and interfaces are not looked up unless `interfaces` is given.
   */
  checkFiles?: boolean;
  /**
   * The host's files for the checks `vipd run` needs at start (hook and tracker
   * programs, node.stateDir); not checked when absent or when checkFiles is false.
   * validateConfig (validate-config.ts) passes this host's.
   */
  hostFiles?: HostFiles;
  /**
   * Loads the in-process ARP sender (os.arp.sender: native), which `vipd run`
   * loads at start; checked with the host, when given.
   */
  loadArpSender?: () => unknown;
}

const PARSERS: Readonly<Record<string, (text: string) => unknown>> = { yaml: parseYamlDocument, yml: parseYamlDocument, json: parseJsonDocument };

export function loadConfig(file: string, opts: LoadConfigOptions = {}): VipdConfig {
  const env = opts.env ?? process.env;
  const checkHost = opts.checkFiles !== false;
  const parse = parserFor(file);
  if (parse === null) {
    throw configError([customProblem(FILE_KEY, file, 'a file name ending in .yaml, .yml or .json', 'not a .yaml, .yml or .json file')], file);
  }
  const raw = readDocument(file, parse);

  const problems: ConfigProblem[] = [];
  const { tree, invalidKeys } = checkTree(raw ?? {}, env, problems);
  // The walk checked every leaf against SCHEMA, which the compiler holds to VipdConfig's shape.
  const config = tree as unknown as VipdConfig;
  const resolveRef = (key: string): unknown => (invalidKeys.has(key) ? undefined : lookupKey(tree, key));
  const groups = invalidKeys.has('groups')
    ? salvageGroups(isMapping(raw) ? raw['groups'] : undefined, resolveRef)
    : config.groups.map((group, index) => ({ index, group }));
  const interfaces = opts.interfaces ?? (checkHost ? systemInterfaceLookup : null);
  problems.push(...checkSemantics({ config, invalidKeys, groups, interfaces }));
  if (checkHost) problems.push(...checkKeyFiles(config, invalidKeys));
  if (checkHost && opts.hostFiles !== undefined) problems.push(...checkHostFiles(config, invalidKeys, groups, opts.hostFiles));
  if (checkHost && opts.loadArpSender !== undefined) problems.push(...checkArpSender(config, invalidKeys, opts.loadArpSender));
  if (problems.length > 0) throw configError(problems, file);

  return deepFreeze(withVipValues(config));
}

function parserFor(file: string): ((text: string) => unknown) | null {
  const dot = file.lastIndexOf('.');
  const extension = dot < 0 ? '' : file.slice(dot + 1);
  return Object.hasOwn(PARSERS, extension) ? (PARSERS[extension] ?? null) : null;
}

/** The parsed document (null for an empty file), or VIPD_E_CONFIG naming why the file cannot be read or parsed. */
function readDocument(file: string, parse: (text: string) => unknown): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : String(e);
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code;
    throw configError([customProblem(FILE_KEY, file, 'a readable config file', `cannot read the config file: ${reason}`)], file);
  }
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof ConfigParseError)) throw e;
    throw configError([customProblem(FILE_KEY, file, 'a well-formed YAML or JSON document', e.message)], file);
  }
}

/** When some groups are invalid, the valid ones still get the cross-key checks. */
function salvageGroups(raw: unknown, resolveRef: (key: string) => unknown): IndexedGroup[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown, index) => {
    const checked = checkItem(GROUP_ITEM, item, `groups[${index}]`, { problems: [], resolveRef });
    // checkItem validated every field of GROUP_ITEM, a FieldTable<GroupConfig>.
    return checked === INVALID ? [] : [{ index, group: checked as unknown as GroupConfig }];
  });
}

function checkKeyFiles(config: VipdConfig, invalidKeys: ReadonlySet<string>): ConfigProblem[] {
  const files: Array<[string, string | null]> = [
    ['heartbeat.keyFile', config.heartbeat.keyFile],
    ['heartbeat.nextKeyFile', config.heartbeat.nextKeyFile],
  ];
  return files.flatMap(([key, path]) => {
    if (path === null || invalidKeys.has(key)) return [];
    try {
      readKeyFile(path);
      return [];
    } catch (e) {
      if (!isVipdError(e)) throw e;
      return [customProblem(key, path, 'a key file of at least 16 bytes with mode 0600 or stricter', `${key}: ${e.message}`)];
    }
  });
}

function checkArpSender(config: VipdConfig, invalidKeys: ReadonlySet<string>, load: () => unknown): ConfigProblem[] {
  if (invalidKeys.has('os.enabled') || invalidKeys.has('os.arp.sender') || !config.os.enabled || config.os.arp.sender !== 'native') return [];
  try {
    load();
    return [];
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return [customProblem('os.arp.sender', 'native', 'an ARP sender this host can load', `os.arp.sender: "native" cannot be used here: ${message}`)];
  }
}
