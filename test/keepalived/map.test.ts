import { stringify } from 'yaml';
import { mapKeepalived, type ImportOptions, type ImportResult } from '../../src/keepalived/map';
import { offlineConfigProblems } from '../../src/keepalived/offline-check';
import { parseKeepalived } from '../../src/keepalived/parse';

const OPTS: ImportOptions = { nodeId: null, fallbackNodeId: 'host-a', peers: [], keyFile: '/etc/vipd/heartbeat.key' };

function importText(text: string, opts: Partial<ImportOptions> = {}): ImportResult & { group: Record<string, unknown>; messages: string[] } {
  const parsed = parseKeepalived('/k.conf', { read: () => text, glob: () => [] }, { configId: null });
  const r = mapKeepalived(parsed.statements, { ...OPTS, ...opts });
  const group = ((r.config.groups as Record<string, unknown>[])[0] ?? {}) as Record<string, unknown>;
  return { ...r, group, messages: r.notes.map((n) => `${n.at === '' ? '' : `${n.at}: `}${n.message}`) };
}

const UNICAST = (body: string, extra = ''): string => `${extra}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    unicast_src_ip 10.0.0.1
    unicast_peer {
        10.0.0.2
    }
    virtual_ipaddress {
        10.0.0.100/24
    }
${body}
}
`;

describe('mapKeepalived: vrrp_instance -> group', () => {
  it('carries id, priority, advert_int, preemption and interface; keepalived defaults where unset', () => {
    const r = importText(UNICAST('priority 150\nadvert_int 2\nnopreempt\npreempt_delay 30\nstate BACKUP'));
    expect(r.group).toMatchObject({ name: 'VI_1', id: 51, priority: 150, preempt: false, preemptDelayMs: '30000ms', intervalMs: '2000ms', interface: 'eth0' });
    expect(importText(UNICAST('')).group).toMatchObject({ priority: 100, preempt: true, intervalMs: '1000ms' });
    expect(importText(UNICAST('')).group.preemptDelayMs).toBeUndefined();
  });

  it('names nodes after their unicast addresses so both imports agree, and binds the heartbeat there', () => {
    const r = importText(UNICAST(''));
    expect(r.config.node).toEqual({ id: 'node-10.0.0.1' });
    expect(r.config.heartbeat).toEqual({ keyFile: '/etc/vipd/heartbeat.key', bind: '10.0.0.1' });
    expect(r.group.peers).toEqual([{ id: 'node-10.0.0.2', address: '10.0.0.2' }]);
    expect(importText(UNICAST(''), { nodeId: 'lb1', peers: [{ id: 'lb2', address: '10.0.0.2' }] }).group.peers).toEqual([{ id: 'lb2', address: '10.0.0.2' }]);
    expect(importText(UNICAST(''), { nodeId: 'lb1' }).config.node).toEqual({ id: 'lb1' });
  });

  it('state is a hint; nopreempt with state MASTER preempts, as keepalived does', () => {
    const r = importText(UNICAST('state MASTER\nnopreempt'));
    expect(r.group.preempt).toBe(true);
    expect(r.messages.join('\n')).toMatch(/state MASTER is a start-up hint/);
    expect(r.messages.join('\n')).toMatch(/nopreempt with state MASTER is ignored by keepalived/);
  });

  it('priority 255 becomes 254; VRRPv2 rounds a sub-second advert_int as keepalived does, v3 keeps it', () => {
    expect(importText(UNICAST('priority 255')).group.priority).toBe(254);
    expect(importText(UNICAST('advert_int 0.2')).group.intervalMs).toBe('1000ms');
    expect(importText(UNICAST('advert_int 0.2\nversion 3')).group.intervalMs).toBe('200ms');
    expect(importText(UNICAST('advert_int 0.1'), {}).messages.join('\n')).toMatch(/rounded by keepalived to 1 s/);
    expect(importText(UNICAST('advert_int 0.05'), {}).group.intervalMs).toBe('1000ms');
    const v3 = `global_defs {\n  vrrp_version 3\n}\n${UNICAST('advert_int 0.05')}`;
    expect(importText(v3).group.intervalMs).toBe('50ms');
  });
});

describe('mapKeepalived: VIPs', () => {
  it('keeps the prefix, makes a bare address a host address like keepalived, skips VIPs on another dev and of another family', () => {
    const r = importText(`
vrrp_instance V {
  interface eth0
  virtual_router_id 3
  unicast_peer {
    10.0.0.2
  }
  virtual_ipaddress {
    10.0.0.10
    10.0.0.11/24 dev eth0 label eth0:1
    10.0.0.12/24 dev eth1
    fd00::1/64
    10.0.0.10/24
  }
  virtual_ipaddress_excluded {
    fd00::2/64
  }
}`);
    expect(r.group.vips).toEqual(['10.0.0.10/32', '10.0.0.11/24', 'fd00::2/64']);
    const text = r.messages.join('\n');
    expect(text).toMatch(/10\.0\.0\.12\/24 dev eth1 is skipped/);
    expect(text).toMatch(/options label eth0:1 are not carried over/);
    expect(text).toMatch(/fd00::1\/64 is of another address family/);
    expect(text).toMatch(/10\.0\.0\.10\/24 is listed twice/);
  });
});

describe('mapKeepalived: trackers', () => {
  const SCRIPTS = `
vrrp_script chk_direct {
  script "/usr/bin/pgrep -x 'my proc'"
  interval 2
  timeout 1
  weight -10
  rise 3
  fall 2
}
vrrp_script chk_shell {
  script "</dev/tcp/127.0.0.1/80"
}
vrrp_script chk_path {
  script "killall -0 haproxy"
  interval 5
  timeout 30
}
`;
  it('maps track_script with the script or the override weight, argv without a shell when it can', () => {
    const r = importText(UNICAST('track_script {\n chk_direct\n chk_shell weight 20\n chk_path\n chk_missing\n}'), {});
    const r2 = importText(`${SCRIPTS}${UNICAST('track_script {\n chk_direct\n chk_shell weight 20\n chk_path\n chk_missing\n}')}`);
    expect(r.group.trackers).toBeUndefined();
    expect(r.messages.join('\n')).toMatch(/track_script chk_direct: no vrrp_script of that name: skipped/);
    expect(r2.group.trackers).toEqual([
      {
        name: 'chk_direct',
        type: 'script',
        command: '/usr/bin/pgrep',
        args: ['-x', 'my proc'],
        intervalMs: '2000ms',
        timeoutMs: '1000ms',
        rise: 3,
        fall: 2,
        weight: -10,
      },
      {
        name: 'chk_shell',
        type: 'script',
        command: '/bin/sh',
        args: ['-c', '</dev/tcp/127.0.0.1/80'],
        intervalMs: '1000ms',
        timeoutMs: '900ms',
        rise: 1,
        fall: 1,
        weight: 20,
      },
      {
        name: 'chk_path',
        type: 'script',
        command: '/bin/sh',
        args: ['-c', 'killall -0 haproxy'],
        intervalMs: '5000ms',
        timeoutMs: '4500ms',
        rise: 1,
        fall: 1,
        weight: 0,
      },
    ]);
    expect(r2.messages.join('\n')).toMatch(/chk_path: timeout 30 s becomes 4500 ms/);
    expect(r2.messages.join('\n')).toMatch(/track_script chk_missing: no vrrp_script/);
  });

  it('maps track_interface to link trackers with the weight (none: down means FAULT); reverse is refused', () => {
    const r = importText(UNICAST('track_interface {\n eth1 weight 2\n eth2 weight -2\n eth3\n eth4 weight 5 reverse\n}'));
    expect(r.group.trackers).toEqual([
      { name: 'link-eth1', type: 'link', interface: 'eth1', weight: 2, rise: 1, fall: 1 },
      { name: 'link-eth2', type: 'link', interface: 'eth2', weight: -2, rise: 1, fall: 1 },
      { name: 'link-eth3', type: 'link', interface: 'eth3', weight: 0, rise: 1, fall: 1 },
    ]);
    expect(r.messages.join('\n')).toMatch(/weight 5 reverse has no counterpart/);
  });
});

describe('mapKeepalived: hooks', () => {
  it("maps notify_master/backup/fault/stop to argv hooks; the generic notify gets keepalived's arguments", () => {
    const r = importText(
      UNICAST('notify_master "/etc/k/notify.sh master"\nnotify_stop /etc/k/stop.sh\nnotify "/etc/k/all.sh"\nnotify_fault "logger -t vrrp fault" root'),
    );
    expect(r.group.notify).toEqual({
      master: ['/etc/k/notify.sh', 'master'],
      stop: ['/etc/k/stop.sh'],
      fault: ['/bin/sh', '-c', 'logger -t vrrp fault'],
      backup: ['/etc/k/all.sh', 'INSTANCE', 'VI_1', 'BACKUP', '100'],
    });
    const text = r.messages.join('\n');
    expect(text).toMatch(/notify_fault: user root is not carried over/);
    expect(text).toMatch(/notify \/etc\/k\/all\.sh is not run on MASTER/);
  });

  it("gives a sync group's hooks to members without their own", () => {
    const r = importText(
      `vrrp_sync_group G {\n group {\n  VI_1\n }\n notify_master "/g/master"\n notify_backup "/g/backup"\n}\n${UNICAST('notify_backup "/own/backup"')}`,
    );
    expect(r.group.notify).toEqual({ backup: ['/own/backup'], master: ['/g/master'] });
    expect(r.messages.join('\n')).toMatch(/vrrp_sync_group G \(VI_1\): vipd groups fail over one by one/);
  });
});

describe('mapKeepalived: what is not carried over', () => {
  it('never copies auth_pass, says how to make the key, and names every other keyword it drops', () => {
    const r = importText(
      UNICAST(
        'authentication {\n auth_type PASS\n auth_pass Sup3rS3cret\n}\nsmtp_alert\nuse_vmac\nmystery_option 3',
        'virtual_server 10.0.0.100 80 {\n}\nstatic_routes {\n}\n',
      ),
    );
    const everything = `${stringify(r.config)}\n${r.messages.join('\n')}`;
    expect(everything).not.toContain('Sup3rS3cret');
    const text = r.messages.join('\n');
    expect(text).toMatch(/auth_pass\) is not copied: .*head -c 32 \/dev\/urandom \| base64 > \/etc\/vipd\/heartbeat\.key/);
    expect(text).toMatch(/smtp_alert is not carried over: vipd sends no e-mail/);
    expect(text).toMatch(/use_vmac is not carried over/);
    expect(text).toMatch(/\/k\.conf:\d+: mystery_option is not carried over/);
    expect(text).toMatch(/virtual_server 10\.0\.0\.100 80 is not carried over: .*IPVS/);
    expect(text).toMatch(/static_routes is not carried over/);
  });

  it('without unicast_peer or --peer, says so and leaves a config that does not load; --peer completes it', () => {
    const multicast = 'vrrp_instance V {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  192.168.1.1/24\n }\n}\n';
    const bare = importText(multicast);
    expect(bare.group.peers).toEqual([]);
    expect(bare.messages.join('\n')).toMatch(/uses multicast VRRP \(no unicast_peer\).*--peer ID=ADDRESS/);
    expect(offlineConfigProblems(stringify(bare.config))).toMatch(/groups\[0\]\.peers/);
    const withPeer = importText(multicast, { peers: [{ id: 'lb2', address: '192.168.1.12' }] });
    expect(withPeer.config.node).toEqual({ id: 'host-a' });
    expect(offlineConfigProblems(stringify(withPeer.config))).toBeNull();
  });

  it('gives a duplicate virtual_router_id (another interface in keepalived) the first free id, deterministically', () => {
    const two = `${UNICAST('')}\n${UNICAST('').replace('VI_1', 'VI_2').replace('eth0', 'eth1').replace('10.0.0.100/24', '10.0.1.100/24')}`;
    const r = importText(two);
    expect((r.config.groups as Array<{ id: number }>).map((g) => g.id)).toEqual([51, 1]);
    expect(r.messages.join('\n')).toMatch(/virtual_router_id 51 is used by an earlier instance/);
    expect(offlineConfigProblems(stringify(r.config))).toBeNull();
  });

  it('skips an instance without virtual_router_id or interface, saying so', () => {
    const r = importText('vrrp_instance A {\n interface eth0\n}\nvrrp_instance B {\n virtual_router_id 4\n}\n');
    expect(r.config.groups).toEqual([]);
    expect(r.messages.join('\n')).toMatch(/A has no valid virtual_router_id: skipped[\s\S]*B has no interface: skipped/);
  });
});
