import type { VerifyReport } from '../owner/types';

/** What one read of the cloud tells the election: who holds the VIPs, and whether all of them are here. */
export interface CloudView {
  /** The node (or, unnamed, the instance) holding a VIP, this node when it holds them all, null when nobody or several do. */
  readonly holder: string | null;
  readonly allHere: boolean;
}

/** The cloud's part of a verify report; null when no provider has a say (provider none). */
export function cloudView(report: VerifyReport, nodeId: string): CloudView | null {
  const holders = report.vips.map((v) => v.cloud).filter((c): c is NonNullable<typeof c> => c !== null);
  if (holders.length === 0) return null;
  const allHere = holders.every((h) => h.kind === 'me');
  for (const h of holders) if (h.kind === 'other') return { holder: h.nodeId ?? h.instanceId, allHere };
  return { holder: allHere ? nodeId : null, allHere };
}
