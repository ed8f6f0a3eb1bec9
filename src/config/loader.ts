/**
 * The only reader of convict. Loads a YAML or JSON file, applies VIPD_*
 * environment overrides (they win over the file), validates every key, every
 * group item and the cross-key rules, checks the key files and interfaces of
 * this host, and returns one deep-frozen VipdConfig. Every problem found is
 * reported at once in a single VIPD_E_CONFIG error.
 */
import convict from 'convict';
import { readFileSync } from 'node:fs';
import { isVipdError } from '../errors';
import { checkItem, INVALID } from './check-value';
import { ConfigParseError, parseJsonDocument, parseYamlDocument, registerConvictExtensions } from './convict-extensions';
import { deepFreeze } from './deep-freeze';
import { GROUP_ITEM } from './group-items';
import { checkHostFiles, type HostFiles } from './host-files';
import { InterfaceLookup, systemInterfaceLookup } from './interfaces';
import { readKeyFile } from './key-file';
import { configError, ConfigProblem, customProblem, FILE_KEY } from './problems';
import { SCHEMA } from './schema';
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
  registerConvictExtensions();
  const loaded = loadWithConvict(file, env, parse);

  const problems: ConfigProblem[] = [];
  const { tree, invalidKeys } = checkTree(loaded.getProperties(), env, problems);
  // The walk checked every leaf against SCHEMA, which the compiler holds to VipdConfig's shape.
  const config = tree as unknown as VipdConfig;
  const resolveRef = (key: string): unknown => (invalidKeys.has(key) ? undefined : lookupKey(tree, key));
  const groups = invalidKeys.has('groups') ? salvageGroups(loaded.get('groups'), resolveRef) : config.groups.map((group, index) => ({ index, group }));
  const interfaces = opts.interfaces ?? (checkHost ? systemInterfaceLookup : null);
  problems.push(...checkSemantics({ config, invalidKeys, groups, interfaces }));
  if (checkHost) problems.push(...checkKeyFiles(config, invalidKeys));
  if (checkHost && opts.hostFiles !== undefined) problems.push(...checkHostFiles(config, invalidKeys, groups, opts.hostFiles));
  if (checkHost && opts.loadArpSender !== undefined) problems.push(...checkArpSender(config, invalidKeys, opts.loadArpSender));
  if (problems.length > 0) throw configError(problems, file);

  // Second line of defence: convict's strict validation must agree with ours.
  try {
    loaded.validate({ allowed: 'strict', output: () => undefined });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw configError([customProblem(FILE_KEY, undefined, "a config convict's strict validation accepts", `convict: ${message}`)], file);
  }
  return deepFreeze(withVipValues(config));
}

/** convict picks the same parser by extension (registerConvictExtensions); ours is kept for explaining failures. */
function parserFor(file: string): ((text: string) => unknown) | null {
  const dot = file.lastIndexOf('.');
  const extension = dot < 0 ? '' : file.slice(dot + 1);
  return Object.hasOwn(PARSERS, extension) ? (PARSERS[extension] ?? null) : null;
}

function loadWithConvict(file: string, env: NodeJS.ProcessEnv, parse: (text: string) => unknown): convict.Config<VipdConfig> {
  const loaded = convict<VipdConfig>(SCHEMA, { env, args: [] });
  try {
    loaded.loadFile(file);
    return loaded;
  } catch (e) {
    throw configError(explainLoadFailure(file, e, parse), file);
  }
}

/**
 * convict's loader can fail on a file whose shape contradicts the schema
 * (a mapping where a value belongs, a value where a section belongs) with a
 * bare TypeError. Walking the parsed file ourselves names the offending key.
 */
function explainLoadFailure(file: string, e: unknown, parse: (text: string) => unknown): ConfigProblem[] {
  if (e instanceof ConfigParseError) return [customProblem(FILE_KEY, file, 'a well-formed YAML or JSON document', e.message)];
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code;
    return [customProblem(FILE_KEY, file, 'a readable config file', `cannot read the config file: ${reason}`)];
  }
  const problems: ConfigProblem[] = [];
  try {
    checkTree(parse(readFileSync(file, 'utf8')), {}, problems, { partial: true });
  } catch {
    // Fall through to the generic message below.
  }
  const message = e instanceof Error ? e.message : String(e);
  return problems.length > 0 ? problems : [customProblem(FILE_KEY, file, 'a config matching the schema', `could not be loaded: ${message}`)];
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
