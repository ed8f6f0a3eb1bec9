/**
 * How the loader sees the host's interfaces, injected so checks run the same
 * against a test's fake host and the real one.
 */
import { networkInterfaces } from 'node:os';

export interface InterfaceAddress {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** The interface's addresses, primary first; null when there is no such interface. */
export type InterfaceLookup = (name: string) => ReadonlyArray<InterfaceAddress> | null;

export const systemInterfaceLookup: InterfaceLookup = (name) => {
  const entries = networkInterfaces()[name];
  if (entries === undefined) return null;
  return entries.flatMap((entry) => {
    const prefix = entry.cidr === null ? NaN : Number(entry.cidr.slice(entry.cidr.lastIndexOf('/') + 1));
    return Number.isInteger(prefix) ? [{ address: entry.address, prefix, family: entry.family }] : [];
  });
};
