import { VipdError } from '../errors';
import { withDeadline } from './deadline';
import type { TrackerCheck } from './tracker-check';

export type ReadTextFile = (path: string) => Promise<string>;

/** Linux IFNAMSIZ is 16 including the NUL; '/' would escape /sys/class/net. */
const IFNAME = /^[^/\s\0]{1,15}$/;

/**
 * Link state from /sys/class/net/IF/{operstate,carrier} (read through the
 * injected reader). Up = operstate "up", or operstate "unknown" with
 * carrier 1: drivers without link reporting (lo, dummy, some veth and tun)
 * say "unknown" forever while passing traffic, and carrier is the only
 * truth they offer. Every other operstate (down, lowerlayerdown, dormant,
 * testing, notpresent) is down. A missing interface is down with a reason
 * that says so; any other read error is down with that error, never
 * mistaken for "missing".
 */
export class LinkCheck implements TrackerCheck {
  constructor(
    private readonly readFile: ReadTextFile,
    private readonly iface: string,
  ) {
    if (!IFNAME.test(iface) || iface === '.' || iface === '..') {
      throw new VipdError('VIPD_E_CONFIG', `link tracker interface ${JSON.stringify(iface)} is not a valid interface name`);
    }
  }

  run(timeoutMs: number): Promise<void> {
    return withDeadline(
      this.probe(),
      timeoutMs,
      () => new VipdError('VIPD_E_TRACKER', `reading the link state of ${this.iface} took longer than ${timeoutMs} ms`, { transient: true }),
    );
  }

  private async probe(): Promise<void> {
    const operstate = await this.read('operstate');
    if (operstate === 'up') return;
    if (operstate !== 'unknown') {
      throw this.down(`interface ${this.iface} is ${operstate || '(empty operstate)'}`, { operstate });
    }
    let carrier: string;
    try {
      carrier = await this.read('carrier');
    } catch (e) {
      // The kernel answers EINVAL for carrier while the interface is administratively down.
      if (errnoOf(e) === 'EINVAL') throw this.down(`interface ${this.iface} is administratively down`, { operstate });
      throw e;
    }
    if (carrier === '1') return;
    throw this.down(`interface ${this.iface} has no carrier (operstate unknown, carrier ${carrier})`, { operstate, carrier });
  }

  private async read(file: 'operstate' | 'carrier'): Promise<string> {
    const path = `/sys/class/net/${this.iface}/${file}`;
    try {
      return (await this.readFile(path)).trim();
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === 'EINVAL' && file === 'carrier') throw e;
      if (errno === 'ENOENT') {
        throw new VipdError('VIPD_E_TRACKER', `interface ${this.iface} does not exist (${path} is missing)`, {
          transient: true,
          cause: e,
          details: { interface: this.iface, missing: true },
        });
      }
      throw new VipdError('VIPD_E_TRACKER', `cannot read ${path}: ${errno ?? (e instanceof Error ? e.message : String(e))}`, {
        transient: true,
        cause: e,
        details: { interface: this.iface, path, errno },
      });
    }
  }

  private down(message: string, details: Record<string, unknown>): VipdError {
    return new VipdError('VIPD_E_TRACKER', message, { transient: true, details: { interface: this.iface, ...details } });
  }
}

function errnoOf(e: unknown): string | null {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return null;
}
