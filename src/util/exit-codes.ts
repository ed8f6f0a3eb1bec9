/** sysexits(3) values systemd units and scripts key on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** EX_USAGE */
export const EXIT_USAGE = 64;
/** EX_UNAVAILABLE: the daemon is not running (CLI commands) */
export const EXIT_UNAVAILABLE = 69;
/** EX_SOFTWARE */
export const EXIT_SOFTWARE = 70;
/** EX_CONFIG: the unit sets RestartPreventExitStatus=78 so a bad config does not restart-loop. */
export const EXIT_CONFIG = 78;
