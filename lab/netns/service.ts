import { createServer, type Server } from 'node:http';
import { intFlag, parseFlags } from '../cli-args';

/**
 * The lab's stand-in for the workload behind the VIP: answers every request
 * with its node name, so the probe can tell which node served it.
 *   node dist/lab/netns/service.js --name n1 --port 8080 [--host 0.0.0.0]
 */
export function startService(name: string, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'x-node': name, connection: 'close' });
    res.end(name);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['name', 'port', 'host']);
  const name = flags.get('name');
  if (!name) throw new Error('--name is required');
  const host = flags.get('host') ?? '0.0.0.0';
  const port = intFlag(flags, 'port', null, 1, 65535);
  const server = await startService(name, host, port);
  process.stdout.write(`listening ${host}:${port} as ${name}\n`);
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`service: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
