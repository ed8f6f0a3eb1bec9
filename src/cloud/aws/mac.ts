import { readFile } from 'node:fs/promises';
import { VipdError } from '../../errors';

/** Reads the MAC address of an OS interface; injected so tests never read /sys. */
export type MacOf = (interfaceName: string) => Promise<string>;

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Lower-case colon form, or null when the text is not a MAC-48 address. */
export function normalizeMac(text: string): string | null {
  const mac = text.trim().toLowerCase();
  return MAC.test(mac) ? mac : null;
}

/** The default: /sys/class/net/<if>/address (what `ip link` shows as link/ether). */
export function sysfsMacOf(read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): MacOf {
  return async (interfaceName) => {
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(interfaceName) || interfaceName === '.' || interfaceName === '..') {
      throw new VipdError('VIPD_E_INTERFACE', `"${interfaceName}" is not a valid interface name`);
    }
    const path = `/sys/class/net/${interfaceName}/address`;
    let text: string;
    try {
      text = await read(path);
    } catch (e) {
      throw new VipdError('VIPD_E_INTERFACE', `cannot read the MAC address of ${interfaceName} (${path}): ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    const mac = normalizeMac(text);
    if (mac === null) throw new VipdError('VIPD_E_INTERFACE', `${path} does not hold a MAC address: "${text.trim()}"`);
    return mac;
  };
}
