import type { FailoverPhases } from '../../src/runtime/ports';
import { VipdError } from '../../src/errors';

/**
 * The keepalived + cloud baseline of the common HA guides: keepalived runs
 * VRRP and keeps the VIP in virtual_ipaddress (2.2.7 refuses an instance
 * without one), and a notify script does the cloud move. On MASTER it
 * calls the cloud's CLI (for AWS:
 * `aws ec2 assign-private-ip-addresses ... --allow-reassignment`), then
 * `ip addr add` (keepalived has usually added the address already, before
 * it runs the script: the call then exits 2, "File exists", which the
 * guides ignore too) and gratuitous ARP; on BACKUP and FAULT it removes
 * the address (again after keepalived did).
 *
 * The script also appends one line per step to a log file
 * (`STATE EVENT EPOCHREALTIME [RC]`), so the benchmark can split the
 * recipe's cost into the CLI call and the OS step. bash's $EPOCHREALTIME
 * is a builtin (no fork) and only differences within one run are used.
 */
export interface KeepalivedCloudRecipe {
  /** argv of the cloud call that moves the VIP to this node (run first on MASTER). */
  readonly assignArgv: readonly string[];
  /** Environment for that call: value null unsets the variable (host credentials must not leak in). */
  readonly env: Readonly<Record<string, string | null>>;
}

export interface NotifyScriptInput {
  readonly recipe: KeepalivedCloudRecipe;
  readonly vip: string;
  readonly prefix: number;
  readonly iface: string;
  readonly logFile: string;
  /** How many gratuitous ARPs (arping -c): the guides send 3. */
  readonly arpCount?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quoted for sh: nothing inside is expanded. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function checkArg(what: string, value: string): void {
  // keepalived splits notify_master "..." on spaces and the script path ends up in its config.
  if (value === '' || /[\s"'\\]/.test(value))
    throw new VipdError('VIPD_E_CONFIG', `notify script: ${what} "${value}" must be non-empty, without spaces or quotes`);
}

export function keepalivedNotifyScript(input: NotifyScriptInput): string {
  if (input.recipe.assignArgv.length === 0) throw new VipdError('VIPD_E_CONFIG', 'notify script: the cloud call has an empty argv');
  checkArg('VIP', input.vip);
  checkArg('interface', input.iface);
  if (!Number.isInteger(input.prefix) || input.prefix < 0 || input.prefix > 32)
    throw new VipdError('VIPD_E_CONFIG', `notify script: prefix ${input.prefix} is not 0-32`);
  const arpCount = input.arpCount ?? 3;
  if (!Number.isInteger(arpCount) || arpCount < 1) throw new VipdError('VIPD_E_CONFIG', `notify script: arp count ${arpCount} must be a positive integer`);
  const env = Object.entries(input.recipe.env).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new VipdError('VIPD_E_CONFIG', `notify script: "${k}" is not a valid environment variable name`);
    return v === null ? `unset ${k}` : `export ${k}=${shellQuote(v)}`;
  });
  const cidr = `${input.vip}/${input.prefix}`;
  const log = shellQuote(input.logFile);
  return [
    '#!/bin/bash',
    `# keepalived notify script for ${cidr} on ${input.iface}, written by the vipd benchmark:`,
    "# the HA guides' recipe (cloud CLI call, then the address, then gratuitous ARP).",
    'set -u',
    'export PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    ...env,
    'state="${1:-}"',
    `log() { echo "$state $1 $EPOCHREALTIME\${2:+ $2}" >> ${log}; }`,
    'log start',
    'case "$state" in',
    '  master)',
    `    ${input.recipe.assignArgv.map(shellQuote).join(' ')} > /dev/null 2>> ${shellQuote(`${input.logFile}.err`)}`,
    '    log cloud-done $?',
    `    ip addr add ${cidr} dev ${input.iface} 2>> ${shellQuote(`${input.logFile}.err`)}`,
    '    log os-done $?',
    `    arping -U -c ${arpCount} -I ${input.iface} -s ${input.vip} ${input.vip} > /dev/null 2>&1`,
    '    log arp-done $?',
    '    ;;',
    '  backup|fault)',
    // Absent already (the start-up BACKUP): not an error worth logging.
    `    ip addr del ${cidr} dev ${input.iface} 2> /dev/null`,
    '    log os-done $?',
    '    ;;',
    '  *)',
    '    log unknown-state 64',
    '    exit 64',
    '    ;;',
    'esac',
    '',
  ].join('\n');
}

export interface NotifyEvent {
  readonly state: string;
  readonly event: string;
  /** Seconds (wall clock, microsecond resolution): only differences within one run mean anything. */
  readonly at: number;
  readonly rc: number | null;
}

/** Lines of the script's log; a torn last line (the script still writing) is left for the next read. */
export function parseNotifyLog(text: string): NotifyEvent[] {
  const out: NotifyEvent[] = [];
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines : lines.slice(0, -1);
  for (const line of complete) {
    if (line.trim() === '') continue;
    const m = /^(\S+) (\S+) ([0-9]+(?:[.,][0-9]+)?)(?: (-?[0-9]+))?$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) throw new VipdError('VIPD_E_INTERNAL', `notify log: malformed line "${line}"`);
    // $EPOCHREALTIME uses the locale's decimal separator.
    out.push({ state: m[1], event: m[2], at: Number(m[3].replace(',', '.')), rc: m[4] === undefined ? null : Number(m[4]) });
  }
  return out;
}

export interface NotifyMasterRun {
  /** The CLI call, then the address: the recipe's cloud and OS steps, in ms. */
  readonly phases: FailoverPhases;
  readonly cloudExit: number;
  /** 2 ("File exists") when keepalived had added the address already. */
  readonly osExit: number;
}

/**
 * The first complete MASTER run starting at event index `from` or later:
 * null while there is none (or it has not reached the address yet).
 */
export function notifyMasterRun(events: readonly NotifyEvent[], from: number): NotifyMasterRun | null {
  const start = events.findIndex((e, i) => i >= from && e.state === 'master' && e.event === 'start');
  if (start < 0) return null;
  const cloud = events.find((e, i) => i > start && e.state === 'master' && e.event === 'cloud-done');
  const os = events.find((e, i) => i > start && e.state === 'master' && e.event === 'os-done');
  const begin = events[start];
  if (!cloud || !os || !begin) return null;
  const cloudMs = (cloud.at - begin.at) * 1000;
  const osMs = (os.at - cloud.at) * 1000;
  return { phases: { detectionMs: null, cloudMs, osMs, totalMs: cloudMs + osMs }, cloudExit: cloud.rc ?? -1, osExit: os.rc ?? -1 };
}

/** The step that ends one run of the script, per state. */
const LAST_STEP: Readonly<Record<string, string>> = { master: 'arp-done', backup: 'os-done', fault: 'os-done' };

/**
 * The state of the script's latest run when every run started so far has
 * finished (keepalived forks each run, so two may overlap), else null. A
 * keepalived master counts as settled only once this is 'master': until its
 * notify_master has made the cloud call and added the address, a fault would
 * race the script (a SIGTERM'd master's late `ip addr add` put the VIP back
 * on the stopped node in every 20 ms graceful trial on aws).
 */
export function finishedNotifyState(events: readonly NotifyEvent[]): string | null {
  const open = new Map<string, number>();
  let latest: string | null = null;
  for (const e of events) {
    if (e.event === 'start') {
      open.set(e.state, (open.get(e.state) ?? 0) + 1);
      latest = e.state;
    } else if (LAST_STEP[e.state] === e.event || e.event === 'unknown-state') {
      open.set(e.state, (open.get(e.state) ?? 0) - 1);
    }
  }
  for (const n of open.values()) if (n > 0) return null;
  return latest;
}

/**
 * keepalived's complaints about its scripts (seen with 2.2.7: "Unsafe
 * permissions found for script '...' - disabling.", "Script ... cannot be
 * accessed - No such file or directory"): a disabled notify script leaves
 * keepalived running and the cloud never called, so these lines fail a run.
 */
const SCRIPT_PROBLEM_RE =
  /(unsafe permissions found for script|script .* cannot be accessed|script .* is not executable|cannot find script|script .* (failed|timed out))/i;

export function keepalivedScriptProblems(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => SCRIPT_PROBLEM_RE.test(l))
    .map((l) => l.replace(/^.*?\d{4}: /, '').trim());
}
