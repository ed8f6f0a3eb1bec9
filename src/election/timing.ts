import { VipdError } from '../errors';

/**
 * VRRP timers (RFC 5798 section 6.1). Skew makes a higher-priority backup
 * claim first, so several backups of one group do not all claim at once.
 */
export function skewMs(priority: number, intervalMs: number): number {
  checkPriority(priority);
  checkInterval(intervalMs);
  return ((256 - priority) * intervalMs) / 256;
}

/** How long a backup waits without a master advert before it claims. */
export function masterDownMs(priority: number, intervalMs: number, deadAfter: number): number {
  if (!Number.isInteger(deadAfter) || deadAfter < 1) {
    throw new VipdError('VIPD_E_INTERNAL', `deadAfter must be an integer >= 1, got ${String(deadAfter)}`, { details: { deadAfter } });
  }
  return deadAfter * intervalMs + skewMs(priority, intervalMs);
}

function checkPriority(priority: number): void {
  // 0 (resign) and 255 (VRRP address owner) are legal on the wire even though a configured base is 1-254.
  if (!Number.isInteger(priority) || priority < 0 || priority > 255) {
    throw new VipdError('VIPD_E_INTERNAL', `priority must be an integer 0-255, got ${String(priority)}`, { details: { priority } });
  }
}

function checkInterval(intervalMs: number): void {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new VipdError('VIPD_E_INTERNAL', `intervalMs must be a positive number, got ${String(intervalMs)}`, { details: { intervalMs } });
  }
}
