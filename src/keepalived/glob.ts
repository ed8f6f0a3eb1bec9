/**
 * The glob(3) subset keepalived's include patterns use: '*', '?' and
 * '[...]' in any path segment, and csh-style braces "{a,b}". Names starting
 * with '.' match only a pattern segment that starts with '.'.
 */
import { readdirSync, statSync } from 'node:fs';

export function globPaths(pattern: string): string[] {
  const found = new Set<string>();
  for (const p of expandBraces(pattern)) for (const m of globOne(p)) found.add(m);
  return [...found].sort();
}

function globOne(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  let paths = [absolute ? '/' : '.'];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of paths) {
      if (!/[*?[]/.test(segment)) {
        const candidate = join(base, segment);
        if (exists(candidate, !last)) next.push(candidate);
        continue;
      }
      const re = segmentRegExp(segment);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        const candidate = join(base, name);
        if (re.test(name) && exists(candidate, !last)) next.push(candidate);
      }
    }
    paths = next;
  }
  return absolute || segments.length === 0 ? paths : paths.map((p) => p.replace(/^\.\//, ''));
}

function exists(path: string, mustBeDirectory: boolean): boolean {
  try {
    const st = statSync(path);
    return mustBeDirectory ? st.isDirectory() : true;
  } catch {
    return false;
  }
}

function join(base: string, name: string): string {
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** "{a,{b,c}}x" -> ["ax", "bx", "cx"]; an unbalanced brace is literal. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const cuts = [open, ...commas, i];
        const alternatives = cuts.slice(1).map((end, k) => pattern.slice((cuts[k] as number) + 1, end));
        return alternatives.flatMap((alt) => expandBraces(`${head}${alt}${tail}`));
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}
