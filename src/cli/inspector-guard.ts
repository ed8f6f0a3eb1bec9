/**
 * Imported first by main.ts, for its effect: a SIGUSR1 listener from the
 * earliest moment our code runs. Node starts its inspector (a debugger on
 * 127.0.0.1:9229 that runs any code sent to it) on SIGUSR1 unless the process
 * listens for that signal; vipd holds CAP_NET_ADMIN, so no local user may
 * ever get that. The listener stays for the life of the process: with none
 * left, SIGUSR1 would take its default action again. `vipd run` adds its own
 * (a state dump, cli/process-signals.ts); until then, and in every other
 * command, the signal is ignored.
 */
const ignoreSigusr1 = (): void => undefined;
process.on('SIGUSR1', ignoreSigusr1);
