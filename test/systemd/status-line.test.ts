import { join } from 'node:path';
import { rolesStatusLine } from '../../src/systemd/status-line';
import { ensureBuilt } from '../support/build';
import { LoopbackCluster, freeUdpPorts } from '../support/loopback-cluster';
import { VipdProcess } from '../support/vipd-process';
import { NotifyReceiver, python3Available } from './notify-receiver';
import { itWithTool } from './require-tool';

jest.setTimeout(120_000);

describe('rolesStatusLine', () => {
  it('names every group with its role, in configuration order', () => {
    expect(
      rolesStatusLine([
        { group: 'web', role: 'MASTER' },
        { group: 'db', role: 'BACKUP' },
      ]),
    ).toBe('web: MASTER, db: BACKUP');
    expect(rolesStatusLine([])).toBe('no groups');
  });
});

const WEB = { name: 'web', id: 1, vip: '127.0.0.101' };
const DB = { name: 'db', id: 2, vip: '127.0.0.102' };
const realIt = itWithTool(python3Available(), 'python3 (a notify socket receiver independent of the addon)');

describe('a real vipd tells systemd its roles', () => {
  let cluster: LoopbackCluster | null = null;
  let receiver: NotifyReceiver | null = null;
  afterEach(async () => {
    await cluster?.destroy();
    await receiver?.stop();
  });

  realIt('STATUS= follows every transition: "web: MASTER, db: BACKUP", then both MASTER when the peer dies', async () => {
    ensureBuilt();
    const [p1, p2] = await freeUdpPorts(2);
    cluster = new LoopbackCluster(
      [
        { id: 'n1', port: p1 as number, priority: { web: 200, db: 100 } },
        { id: 'n2', port: p2 as number, priority: { web: 100, db: 200 } },
      ],
      [WEB, DB],
      100,
    );
    const notifySocket = join(cluster.dir, 'notify');
    receiver = await NotifyReceiver.start(notifySocket);
    const rx = receiver;
    const n2 = cluster.start('n2');
    await n2.waitForRole('db', 'MASTER');
    const n1 = new VipdProcess('n1', ['run', '--config', cluster.writeConfig(cluster.node('n1'))], { env: { NOTIFY_SOCKET: notifySocket } });
    cluster.processes.set('n1', n1);
    const statuses = (): string[] =>
      rx.received
        .flatMap((d) => d.msg.split('\n'))
        .filter((l) => l.startsWith('STATUS='))
        .map((l) => l.slice('STATUS='.length));
    await rx.waitFor(() => statuses().includes('web: MASTER, db: BACKUP'), 'STATUS=web: MASTER, db: BACKUP');
    expect(rx.received.every((d) => d.pid === n1.pid)).toBe(true);
    n2.signal('SIGKILL');
    await rx.waitFor(() => statuses().includes('web: MASTER, db: MASTER'), 'STATUS=web: MASTER, db: MASTER after the peer died');
    const last = statuses().at(-1);
    expect(last).toBe('web: MASTER, db: MASTER');
  });
});
