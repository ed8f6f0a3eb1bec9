/**
 * The man page and the bash and zsh completions, generated from the
 * commander program itself (its visible commands, options and arguments,
 * as `vipd help` shows them), so they cannot drift from the CLI. Pure: the
 * program, version and date come in, text goes out; gen-cli-docs.ts writes
 * the files at build time.
 */
import type { Argument, Command, Option } from 'commander';

export interface CliCommand {
  readonly name: string;
  readonly description: string;
  readonly usage: string;
  readonly options: readonly CliOption[];
  readonly args: readonly CliArgument[];
}

export interface CliOption {
  readonly flags: string;
  readonly names: readonly string[];
  readonly description: string;
  /** The value's placeholder (`file`, `duration`), or null for a flag. */
  readonly value: string | null;
  readonly defaultValue: string | null;
  readonly choices: readonly string[] | null;
}

export interface CliArgument {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
  readonly choices: readonly string[] | null;
}

/** Commands and options as the program's own help lists them (hidden ones left out, `help` included). */
export function describeProgram(program: Command): { readonly root: CliCommand; readonly commands: readonly CliCommand[] } {
  const help = program.createHelp();
  const describe = (cmd: Command): CliCommand => ({
    name: cmd.name(),
    description: cmd.description(),
    usage: cmd.usage(),
    options: help.visibleOptions(cmd).map(describeOption),
    args: argumentsOf(cmd, help.visibleArguments(cmd)),
  });
  return { root: describe(program), commands: help.visibleCommands(program).map(describe) };
}

/** commander's implicit help command registers no Argument, only its usage ("[command]"): read that. */
function argumentsOf(cmd: Command, registered: readonly Argument[]): CliArgument[] {
  if (registered.length > 0) return registered.map(describeArgument);
  return [...cmd.usage().matchAll(/([<[])([\w.-]+)[>\]]/g)]
    .filter((m) => m[2] !== 'options')
    .map((m) => ({ name: m[2] as string, required: m[1] === '<', description: '', choices: null }));
}

function describeOption(o: Option): CliOption {
  const value = /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags);
  const shown =
    o.defaultValue === undefined || o.defaultValue === false || (Array.isArray(o.defaultValue) && o.defaultValue.length === 0) ? null : String(o.defaultValue);
  return {
    flags: o.flags,
    names: [o.short, o.long].filter((n): n is string => typeof n === 'string'),
    description: o.description,
    value: value === null ? null : (value[1] ?? value[2] ?? null),
    defaultValue: shown,
    choices: o.argChoices ?? null,
  };
}

function describeArgument(a: Argument): CliArgument {
  // A description written as "on | off" lists the accepted words.
  const listed = /^\s*[\w-]+(\s*\|\s*[\w-]+)+\s*$/.test(a.description) ? a.description.split('|').map((w) => w.trim()) : null;
  return { name: a.name(), required: a.required, description: a.description, choices: a.argChoices ?? listed };
}

/** Values worth completing as file names. */
function takesPath(placeholder: string | null): boolean {
  return placeholder !== null && /file|path|dir/i.test(placeholder);
}

// ---------------------------------------------------------------- man page

const EXIT_STATUS: ReadonlyArray<[string, string]> = [
  ['0', 'success'],
  ['1', 'failure (a doctor check failed, the daemon refused a request, an error during shutdown)'],
  ['64', 'usage error (EX_USAGE)'],
  ['69', 'the daemon could not be reached over its control socket (EX_UNAVAILABLE)'],
  ['70', 'internal software error (EX_SOFTWARE)'],
  ['78', 'invalid configuration (EX_CONFIG); the unit does not restart on it'],
];

/** roff text: backslashes escaped, a line starting with . or ' protected, hyphens in option names as \-. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function roffFlags(flags: string): string {
  return roff(flags).replace(/-/g, '\\-');
}

export function manPage(program: Command, version: string, date: string): string {
  const { root, commands } = describeProgram(program);
  const lines: string[] = [
    `.\\" Generated from vipd's command-line definition (src/cli/gen-cli-docs.ts); do not edit.`,
    `.TH VIPD 1 "${date}" "vipd ${roff(version)}" "User Commands"`,
    '.SH NAME',
    `vipd \\- ${roff(root.description)}`,
    '.SH SYNOPSIS',
    '.B vipd',
    '.I command',
    '.RI [ options ]',
    '.br',
    '.B vipd',
    '.BR \\-\\-help " | " \\-\\-version',
    '.SH DESCRIPTION',
    'vipd keeps a virtual IP on exactly one node of an active-passive pair or group: authenticated unicast UDP heartbeats,',
    'a VRRP-style priority election, and the move of the address in the cloud (a secondary private IP) and in the OS',
    '(address, policy routing, gratuitous ARP). It runs as a systemd service',
    '.RB ( "vipd run" )',
    'and is operated with the commands below.',
    '.SH OPTIONS',
  ];
  for (const o of root.options) lines.push('.TP', `.B ${roffFlags(o.flags)}`, roff(o.description));
  lines.push('.SH COMMANDS');
  for (const c of commands) {
    lines.push(`.SS "vipd ${roff(c.name)} ${roff(c.usage)}"`, roff(c.description));
    for (const a of c.args) {
      lines.push('.TP', `.I ${roff(a.name)}`, `${roff(a.description)}${a.required ? '' : ' (optional)'}`);
    }
    for (const o of c.options) {
      lines.push('.TP', `.B ${roffFlags(o.flags)}`, `${roff(o.description)}${o.defaultValue === null ? '' : ` (default: ${roff(o.defaultValue)})`}`);
    }
  }
  lines.push('.SH EXIT STATUS');
  for (const [code, meaning] of EXIT_STATUS) lines.push('.TP', `.B ${code}`, meaning);
  lines.push(
    '.SH FILES',
    '.TP',
    '.I /etc/vipd/vipd.yaml',
    'the configuration (see /opt/vipd/docs/configuration.md)',
    '.TP',
    '.I /run/vipd/control.sock',
    'the control socket used by status, switchover and maintenance',
    '.TP',
    '.I /var/lib/vipd',
    'state kept across restarts (maintenance mode)',
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR journalctl (1),',
    '.BR keepalived (8);',
    'the documentation under /opt/vipd/docs (operations.md, configuration.md, errors.md, migrating-from-keepalived.md).',
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- bash

function shellWords(words: readonly string[]): string {
  return words.map((w) => w.replace(/[^A-Za-z0-9_./=-]/g, '')).join(' ');
}

export function bashCompletion(program: Command): string {
  const { root, commands } = describeProgram(program);
  const cases = commands.map((c) => {
    const opts = shellWords(c.options.flatMap((o) => o.names));
    const pathOpts = c.options.filter((o) => takesPath(o.value)).flatMap((o) => o.names);
    const valueOpts = c.options.filter((o) => o.value !== null && !takesPath(o.value)).flatMap((o) => o.names);
    const positional = c.args[0];
    const words = positional?.choices ?? (positional?.name === 'cmd' || positional?.name === 'command' ? commands.map((x) => x.name) : null);
    const positionalAction =
      positional === undefined
        ? 'COMPREPLY=()'
        : words !== null
          ? `COMPREPLY=($(compgen -W "${shellWords(words)}" -- "$cur"))`
          : takesPath(positional.name)
            ? 'COMPREPLY=($(compgen -f -- "$cur"))'
            : 'COMPREPLY=()';
    return [
      `    ${c.name})`,
      `      opts="${opts}"`,
      `      path_opts=" ${shellWords(pathOpts)} "`,
      `      value_opts=" ${shellWords(valueOpts)} "`,
      `      positional() { ${positionalAction}; }`,
      '      ;;',
    ].join('\n');
  });
  return `# bash completion for vipd. Generated from vipd's command-line definition
# (src/cli/gen-cli-docs.ts); do not edit.
_vipd() {
  local cur prev cmd i opts path_opts value_opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${shellWords(commands.map((c) => c.name))} ${shellWords(root.options.flatMap((o) => o.names))}" -- "$cur"))
    return 0
  fi
  case "$cmd" in
${cases.join('\n')}
    *) COMPREPLY=(); return 0 ;;
  esac
  if [[ "$path_opts" == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  if [[ "$value_opts" == *" $prev "* ]]; then
    COMPREPLY=()
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    positional
  fi
  return 0
}
complete -o filenames -F _vipd vipd
`;
}

// ---------------------------------------------------------------- zsh

/** Text inside a zsh single-quoted word, and inside _arguments' [description]. */
function zshQuoted(text: string): string {
  return text.replace(/'/g, `'\\''`);
}

function zshDescription(text: string): string {
  return zshQuoted(text.replace(/([[\]:\\])/g, '\\$1'));
}

function zshOptionSpecs(options: readonly CliOption[]): string[] {
  return options.map((o) => {
    const action =
      o.value === null ? '' : `:${zshDescription(o.value)}:${takesPath(o.value) ? '_files' : o.choices !== null ? `(${o.choices.join(' ')})` : ' '}`;
    const rest = `[${zshDescription(o.description)}]${action}`;
    return o.names.length > 1 ? `'(${o.names.join(' ')})'{${o.names.join(',')}}'${rest}'` : `'${o.names[0] ?? ''}${rest}'`;
  });
}

export function zshCompletion(program: Command): string {
  const { root, commands } = describeProgram(program);
  const described = commands.map((c) => `    '${zshQuoted(c.name.replace(/:/g, '\\:'))}:${zshQuoted(c.description)}'`);
  const cases = commands.map((c) => {
    const specs = zshOptionSpecs(c.options);
    const positional = c.args.map((a, i) => {
      const words = a.choices ?? (a.name === 'cmd' || a.name === 'command' ? commands.map((x) => x.name) : null);
      const action = words !== null ? `(${words.join(' ')})` : takesPath(a.name) ? '_files' : ' ';
      return `'${i + 1}:${a.required ? '' : ':'}${zshDescription(a.name)}:${action}'`;
    });
    const call = ['_arguments -s', ...specs, ...positional].join(' \\\n            ');
    return [`        ${c.name})`, `          ${call}`, '          ;;'].join('\n');
  });
  return `#compdef vipd
# zsh completion for vipd. Generated from vipd's command-line definition
# (src/cli/gen-cli-docs.ts); do not edit.
_vipd() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
${described.join('\n')}
  )
  _arguments -C \\
${zshOptionSpecs(root.options)
  .map((s) => `    ${s} \\`)
  .join('\n')}
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command)
      _describe -t commands 'vipd command' commands
      ;;
    args)
      case $words[1] in
${cases.join('\n')}
      esac
      ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _vipd "$@"
else
  compdef _vipd vipd
fi
`;
}
