/**
 * keepalived.conf as a tree of statements, read the way keepalived reads it:
 * one statement per line, blocks in braces (the brace may sit on the next
 * line, a block may close on its own line), comments from '#' or '!' to the
 * end of the line, double-quoted strings as one word, `include` (and its
 * includer/includem/... variants) with glob patterns relative to the
 * including file, conditional lines (`@id ...`, `@^id ...`) against the
 * config id, and `$NAME=value` parameters with `$NAME` / `${NAME}`
 * substitution (multi-line definitions continue with a trailing '\').
 *
 * Pure: every file read and glob goes through KeepalivedSource.
 */
import { posix } from 'node:path';
import { VipdError } from '../errors';

export interface KeepalivedStatement {
  /** The statement's words, quotes removed: `['vrrp_instance', 'VI_1']`, `['priority', '100']`. */
  readonly words: readonly string[];
  /** The statements inside its braces; null for a statement without a block. */
  readonly block: readonly KeepalivedStatement[] | null;
  /** Where it was written, for notes: `file:line`. */
  readonly at: string;
}

export interface KeepalivedSource {
  /** The file's text; throws when it cannot be read. */
  read(path: string): string;
  /** Paths matching a pattern (already absolute), sorted; [] when nothing matches. */
  glob(pattern: string): readonly string[];
}

export interface ParseOptions {
  /** keepalived's `-i` config id: lines marked `@id` apply only on that node. null: no id (every `@id` line is dropped). */
  readonly configId: string | null;
}

export interface ParseResult {
  readonly statements: readonly KeepalivedStatement[];
  /** Things read but not understood (an include that matched no file, a stray brace). */
  readonly notes: readonly string[];
}

const INCLUDE_KEYWORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const MAX_INCLUDE_DEPTH = 32;
const MAX_SUBSTITUTION_ROUNDS = 20;

interface OpenBlock {
  readonly statements: MutableStatement[];
  readonly at: string;
}

interface MutableStatement {
  words: string[];
  block: MutableStatement[] | null;
  at: string;
}

/** Reads `path` and everything it includes into one statement tree. */
export function parseKeepalived(path: string, source: KeepalivedSource, opts: ParseOptions): ParseResult {
  const notes: string[] = [];
  const root: OpenBlock = { statements: [], at: path };
  const stack: OpenBlock[] = [root];
  const params = new Map<string, string>();

  const readFile = (file: string, depth: number, chain: readonly string[]): void => {
    if (depth > MAX_INCLUDE_DEPTH) throw importError(`${file}: includes nest deeper than ${MAX_INCLUDE_DEPTH} files`, file);
    if (chain.includes(file)) throw importError(`${file} includes itself (${[...chain, file].join(' -> ')})`, file);
    let text: string;
    try {
      text = source.read(file);
    } catch (e) {
      throw importError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, file, e);
    }
    const pending = text.split(/\r?\n/).map((line, i) => ({ line, at: `${file}:${i + 1}` }));
    for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
      const { line: raw, at } = item;
      let line = stripComment(raw).trim();
      if (line === '') continue;
      const condition = /^@(\^?)(\S+)\s*(.*)$/.exec(line);
      if (condition) {
        const [, negated = '', id = '', rest = ''] = condition; // every group takes part in a match
        const matches = opts.configId !== null && id === opts.configId;
        if (matches === (negated === '^')) continue;
        line = rest;
      }
      const definition = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (definition) {
        const [, name = '', first = ''] = definition; // every group takes part in a match
        let value = first;
        // A definition ending in '\' continues on the next lines; each continued line is one line of the value.
        while (value.endsWith('\\')) {
          value = value.slice(0, -1);
          const next = pending.shift();
          if (next === undefined) break;
          value += `\n${stripComment(next.line).trim()}`;
        }
        params.set(name, value.trim());
        continue;
      }
      const expanded = substitute(line, params);
      if (expanded.includes('\n')) {
        pending.unshift(...expanded.split('\n').map((l) => ({ line: l, at })));
        continue;
      }
      const words = tokenize(expanded, at);
      const keyword = words[0];
      if (keyword !== undefined && INCLUDE_KEYWORDS.has(keyword)) {
        const pattern = words[1];
        if (pattern === undefined) {
          notes.push(`${at}: '${keyword}' without a file name ignored`);
          continue;
        }
        const absolute = posix.normalize(pattern.startsWith('/') ? pattern : posix.join(posix.dirname(file), pattern));
        const matches = source.glob(absolute);
        if (matches.length === 0) notes.push(`${at}: ${keyword} ${pattern} matched no file`);
        for (const m of matches) readFile(m, depth + 1, [...chain, file]);
        continue;
      }
      addLine(words, at, stack, notes);
    }
  };

  readFile(path, 0, []);
  if (stack.length > 1) {
    const open = stack[stack.length - 1] as OpenBlock;
    throw importError(`${open.at}: block opened here is never closed (missing '}')`, path);
  }
  return { statements: freeze(root.statements), notes };
}

/** One line's words into the tree: '{' opens a block (on the previous statement when the line starts with it), '}' closes one. */
function addLine(words: readonly string[], at: string, stack: OpenBlock[], notes: string[]): void {
  let pending: string[] = [];
  const top = (): OpenBlock => stack[stack.length - 1] as OpenBlock;
  const flush = (): void => {
    if (pending.length > 0) top().statements.push({ words: pending, block: null, at });
    pending = [];
  };
  for (const w of words) {
    if (w === '{') {
      let owner: MutableStatement | undefined;
      if (pending.length > 0) {
        owner = { words: pending, block: null, at };
        top().statements.push(owner);
        pending = [];
      } else {
        owner = top().statements[top().statements.length - 1];
        if (owner === undefined || owner.block !== null) {
          owner = { words: [], block: null, at };
          top().statements.push(owner);
          notes.push(`${at}: '{' without a keyword before it`);
        }
      }
      owner.block = [];
      stack.push({ statements: owner.block, at });
    } else if (w === '}') {
      flush();
      if (stack.length === 1) notes.push(`${at}: '}' without an open block ignored`);
      else stack.pop();
    } else {
      pending.push(w);
    }
  }
  flush();
}

/** A comment starts at '#' or '!' outside double quotes. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === '!')) return line.slice(0, i);
  }
  return line;
}

/** `$NAME` followed by whitespace or the end, and `${NAME}`; an undefined name stays as written. */
function substitute(line: string, params: ReadonlyMap<string, string>): string {
  if (params.size === 0) return line;
  let current = line;
  for (let round = 0; round < MAX_SUBSTITUTION_ROUNDS; round++) {
    const next = current.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (whole, braced?: string, bare?: string) => {
      const value = params.get(braced ?? bare ?? '');
      return value ?? whole;
    });
    if (next === current) return next;
    current = next;
  }
  return current;
}

/** Words split on whitespace; a double-quoted string is one word; braces are words of their own outside quotes. */
export function tokenize(line: string, at: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (const c of line) {
    if (quoted) {
      if (c === '"') quoted = false;
      else word += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === '{' || c === '}') {
      if (inWord) words.push(word);
      words.push(c);
      word = '';
      inWord = false;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) throw importError(`${at}: a quoted string is not closed on its line`, at);
  if (inWord) words.push(word);
  return words;
}

function freeze(statements: readonly MutableStatement[]): KeepalivedStatement[] {
  return statements.map((s) => ({ words: [...s.words], block: s.block === null ? null : freeze(s.block), at: s.at }));
}

function importError(message: string, file: string, cause?: unknown): VipdError {
  return new VipdError('VIPD_E_IMPORT', message, { cause, details: { file } });
}
