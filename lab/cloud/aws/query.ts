import { Ec2ApiError } from './ec2-errors';
import type { Filter } from './ec2-model';

/**
 * EC2 Query protocol parameters: a flat form (`Action=...&Version=...`),
 * lists as `Name.1`, `Name.2`, ... and filters as `Filter.N.Name` /
 * `Filter.N.Value.M`, each numbered from 1.
 */
export class QueryParams {
  private readonly map: ReadonlyMap<string, string>;

  constructor(entries: Iterable<[string, string]>) {
    const m = new Map<string, string>();
    for (const [k, v] of entries) if (!m.has(k)) m.set(k, v);
    this.map = m;
  }

  static parse(body: string, query: string): QueryParams {
    return new QueryParams([...new URLSearchParams(query), ...new URLSearchParams(body)]);
  }

  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }

  required(name: string): string {
    const v = this.get(name);
    if (v === null || v === '') throw new Ec2ApiError('MissingParameter', `The request must contain the parameter ${name}`);
    return v;
  }

  bool(name: string): boolean {
    const v = this.get(name);
    if (v === null) return false;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${v}' for ${name}: expected true or false`);
  }

  int(name: string): number | null {
    const v = this.get(name);
    if (v === null) return null;
    if (!/^-?[0-9]+$/.test(v)) throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${v}' for ${name}: expected an integer`);
    return Number(v);
  }

  /** `Name.1`, `Name.2`, ... in numeric order; gaps are malformed. */
  list(name: string): string[] {
    const prefix = `${name}.`;
    const indexed: [number, string][] = [];
    for (const [k, v] of this.map) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      if (/^[1-9][0-9]*$/.test(rest)) indexed.push([Number(rest), v]);
    }
    indexed.sort((a, b) => a[0] - b[0]);
    indexed.forEach(([n], i) => {
      if (n !== i + 1) throw new Ec2ApiError('InvalidParameterValue', `${name}.${i + 1} is missing (list members must be numbered from 1 without gaps)`);
    });
    return indexed.map(([, v]) => v);
  }

  filters(): Filter[] {
    const out: Filter[] = [];
    for (let n = 1; ; n++) {
      const name = this.get(`Filter.${n}.Name`);
      if (name === null) break;
      out.push({ name, values: this.list(`Filter.${n}.Value`) });
    }
    return out;
  }

  /** Everything except the signature-related keys, for the call log. */
  toObject(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}
