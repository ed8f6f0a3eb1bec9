import { VipdError } from '../errors';
import { findNativeAddon, requireNativeAddon } from '../native/addons';

/**
 * Delivers one sd_notify datagram. Node has no unix datagram sockets of its
 * own, so the real transport is vipd's N-API addon (native/notify.c; see
 * docs/systemd.md for why not the `systemd-notify` CLI): messages leave from
 * the daemon's own PID, which lets the unit keep NotifyAccess=main, and a
 * watchdog ping costs one syscall instead of a process spawn.
 */
export interface NotifyTransport {
  /** Sends one datagram; throws a VipdError when it cannot be delivered. */
  send(payload: Buffer): void;
}

/** The addon's surface (native/notify.c). */
export interface NotifyBinding {
  /** Opens a socket, sendto() without blocking, closes it; throws an Error with an errno `code`. */
  sendNotify(path: string, payload: Buffer): void;
}

/** Loaded only when NOTIFY_SOCKET is set, so a missing addon never affects runs outside systemd. */
export function loadNotifyBinding(path: string | null = findNativeAddon('vipd_notify')): NotifyBinding {
  return requireNativeAddon('vipd_notify', path, 'VIPD_E_SD_NOTIFY');
}

/** sun_path holds 108 bytes with the terminating NUL (an abstract name's leading NUL takes the '@'). */
const SUN_PATH_MAX = 107;

/**
 * sd_notify's addressing: an absolute path, or `@name` for a socket in the
 * abstract namespace. Each message uses its own short-lived socket (in the
 * addon): nothing stays open between pings, and a notify socket recreated by
 * a systemd re-exec is found again by path.
 */
export class NativeNotifyTransport implements NotifyTransport {
  private readonly path: string;
  private readonly binding: NotifyBinding;

  constructor(path: string, binding: NotifyBinding = loadNotifyBinding()) {
    if (!path.startsWith('/') && !path.startsWith('@')) {
      throw new VipdError('VIPD_E_SD_NOTIFY', `NOTIFY_SOCKET must be an absolute path or an @abstract name, got "${path}"`, { details: { path } });
    }
    if (Buffer.byteLength(path) > SUN_PATH_MAX || path.length < 2) {
      throw new VipdError('VIPD_E_SD_NOTIFY', `NOTIFY_SOCKET is not a usable unix socket address (1 to ${SUN_PATH_MAX} bytes): ${path}`, { details: { path } });
    }
    this.path = path;
    this.binding = binding;
  }

  send(payload: Buffer): void {
    try {
      this.binding.sendNotify(this.path, payload);
    } catch (e) {
      // Read by shape: an addon's Error may come from another realm (vm contexts), failing instanceof.
      const { code, message } = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as { code?: unknown; message?: unknown };
      throw new VipdError('VIPD_E_SD_NOTIFY', `cannot send to NOTIFY_SOCKET ${this.path}: ${String(message)}`, {
        cause: e,
        // A socket that is gone or full may be back for the next ping; bad arguments never will.
        transient: code !== 'EINVAL',
        details: { path: this.path, errno: typeof code === 'string' ? code : null },
      });
    }
  }
}
