/**
 * The man-page part of `vipd help <command>` (after commander's usage and
 * options): what the command does in detail, its exit codes and examples.
 * Exit codes follow sysexits(3) everywhere: 64 usage, 69 unavailable, 78 config.
 */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  run: `
Runs the daemon in the foreground (systemd Type=notify). The configuration is
validated exactly as by check-config before anything starts.

Signals (docs/operations.md, "Signals"):
  HUP    reload the configuration
  USR1   write the status document to the log and to vipd.data next to the
         control socket (never Node's inspector)
  USR2   write the counters to the log and to vipd.stats next to the control socket
  TERM, INT, QUIT, ABRT, TRAP, SYS, ALRM, VTALRM, PROF, IO, PWR, XCPU, XFSZ, STKFLT
         graceful stop: resign, release the VIPs, exit 0
An uncaught error is logged, the VIPs are released (at most 10 s) and vipd exits 70.

Exit codes:
  0   stopped by a signal after releasing the VIPs
  1   could not run (bind failed, state file unreadable, ...; see the log)
  64  bad arguments
  70  fatal error (logged; the VIPs were released first)
  78  the configuration is invalid (the unit does not restart on 78)

Examples:
  vipd run -c /etc/vipd/vipd.yaml
  vipd run -c /etc/vipd/vipd.yaml --dry-run
`,
  'check-config': `
Validates a configuration file with the same validation 'vipd run' makes at
start: schema, cross-key rules (provider implemented, VIPs that can never
work), and on this host the key files, interfaces, VIPs against the
interface's subnet, hook and tracker programs, the state directory and the
native ARP sender. Every problem is listed at once, each with its key.
--offline checks a file away from its host (CI): schema and cross-key rules
only; the host checks are skipped and the output says so.

Exit codes:
  0   valid
  64  bad arguments
  78  invalid (each problem on stderr, with its key)

Examples:
  vipd check-config /etc/vipd/vipd.yaml
  vipd check-config -c /etc/vipd/vipd.yaml --json
  vipd check-config --offline deploy/lb1.yaml
`,
  status: `
Shows what the running daemon knows now, per group: role and since when,
interface, interval and preempt, the last transition, why this node is not
master (outranked, held after a switchover, nopreempt, preempt delay,
maintenance, cloud arbitration, fault), each peer (DOWN with when it was last
heard once silent past the down interval), each VIP's OS and cloud view
(current only when checked after the last change, otherwise shown with its
age), ownership, the last failover and the trackers. Durations in ms/s/min/h,
times in ISO 8601 UTC. --json prints the document /status serves
(schemaVersion 2, with "now"; docs/operations.md, "Status"). The daemon is
found through control.socket of the config (-c), or --socket.

Exit codes:
  0   shown
  64  bad arguments
  69  the daemon could not be reached
  78  the config named with -c is invalid (the socket is not known)

Examples:
  vipd status
  vipd status -c /etc/vipd/vipd.yaml --json
`,
  switchover: `
Planned handover, run on the current master. Before anything resigns, vipd
checks that a live peer would take each group over (heard within the
master-down interval, BACKUP, priority above 0); otherwise it refuses (exit 69)
and says why, and the VIPs stay here. --to NODE: NODE must be the peer that
would win (the highest-priority live backup; equal priority: the smaller node
id), else it refuses and names the node that would. --force resigns anyway:
if nobody claims, this node takes the VIPs back after a down interval (an
outage). Then it waits until the peer is MASTER and, with a cloud provider,
the cloud no longer shows the VIPs here, and prints the measured time.

Exit codes:
  0   handed over
  1   the daemon answered with an error (not master, no peer took over within
      --timeout, a different node took over than --to)
  64  bad arguments (nothing was sent)
  69  the daemon could not be reached, or the switchover was refused
      (VIPD_E_SWITCHOVER_REFUSED: nothing resigned)
  78  the config named with -c is invalid

Examples:
  vipd switchover --group web
  vipd switchover --group web --to lb2 --timeout 1m
  vipd switchover --group web --force      # the peer is known dead; accept the outage
`,
  maintenance: `
on: priority 0 for every group; a master hands its VIPs over, and the node takes
no VIP until 'off'. Saved in node.stateDir/maintenance.json, so it survives
reloads, restarts and reboots. off: remove the saved state and compete again.
status: the running daemon's and the saved state.

Exit codes:
  0   done (status: shown)
  1   the daemon answered with an error (the state could not be saved or
      removed; read the message before rebooting)
  64  bad arguments
  69  the daemon could not be reached
  78  the config named with -c is invalid

Examples:
  vipd maintenance on
  vipd maintenance status --json
  vipd maintenance off -c /etc/vipd/vipd.yaml
`,
  doctor: `
Runs the debugging checklist and prints PASS/FAIL/WARN/SKIP with the fix for
each. It fails when this node cannot serve: a group in FAULT, a tracker down,
a hook or tracker program missing or not executable, the notify transport or
a native addon that cannot be loaded, the VIP state wrong for the role, a peer
not heard. It warns when no live peer could take over and while maintenance is
on. Works without a running daemon (host checks only).

Exit codes:
  0   no check failed (warnings allowed)
  1   at least one check failed
  64  bad arguments
  78  the configuration is invalid

Examples:
  vipd doctor
  vipd doctor -c /etc/vipd/vipd.yaml --json
`,
};
