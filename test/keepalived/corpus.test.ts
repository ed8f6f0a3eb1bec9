import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { importKeepalivedCommand, type ImportKeepalivedOptions } from '../../src/cli/import-keepalived';
import { offlineConfigProblems } from '../../src/keepalived/offline-check';
import { ensureBuilt } from '../support/build';
import { VIPD_MAIN } from '../support/vipd-process';
import type { TextOut } from '../../src/cli/text-out';

const CORPUS = join(__dirname, '..', 'fixtures', 'keepalived');

interface Case {
  readonly file: string;
  /** keepalived's -i for the file's @id lines. */
  readonly configId?: string;
  readonly args?: Partial<ImportKeepalivedOptions>;
  readonly groups: readonly string[];
  /** A note the import must print (what it could not carry over). */
  readonly says: RegExp;
  /** What `keepalived -t` itself warns about in keepalived's own samples. */
  readonly keepalivedWarns?: RegExp;
}

const MULTICAST_PEER = { peers: ['lb2=192.168.200.2'] };
const CASES: readonly Case[] = [
  { file: 'sample.vrrp.conf', args: MULTICAST_PEER, groups: ['VI_1', 'VI_2', 'VI_3', 'VI_4'], says: /192\.168\.200\.18 is listed twice/ },
  {
    file: 'sample.vrrp.localcheck.conf',
    args: MULTICAST_PEER,
    groups: ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VI_7', 'VI_8', 'VI_9'],
    says: /chk_http_port: "<\/dev\/tcp\/127\.0\.0\.1\/80" needs a shell/,
  },
  { file: 'sample.vrrp.scripts.conf', args: MULTICAST_PEER, groups: ['VI_1', 'VI_2', 'VI_3'], says: /vrrp_sync_group G1 \(VI_2, VI_3\)/ },
  {
    file: 'sample.vrrp.sync.conf',
    args: MULTICAST_PEER,
    groups: ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VI_7', 'VI_8', 'VI_9'],
    says: /vrrp_sync_group G2 \(VI_3, VI_4\)/,
  },
  {
    file: 'sample.track_interface.conf',
    args: MULTICAST_PEER,
    groups: ['VI_1'],
    says: /192\.168\.200\.17 dev eth1 is skipped/,
    keepalivedWarns: /cannot track route 192\.168\.112\.0\/24/,
  },
  { file: 'sample.conditional_conf.conf', configId: 'high', args: MULTICAST_PEER, groups: ['VI_0'], says: /use_vmac is not carried over/ },
  { file: 'unicast-haproxy-lb1.conf', groups: ['VI_WEB'], says: /auth_pass\) is not copied/ },
  { file: 'unicast-haproxy-lb2.conf', groups: ['VI_WEB'], says: /auth_pass\) is not copied/ },
  {
    file: 'include-style/keepalived.conf',
    args: { nodeId: 'gw-a', peers: ['gw-b=192.168.10.12', 'gw-b=fd00:10::12'] },
    groups: ['GW_V4', 'GW_V6'],
    says: /include conf\.d\/absent-\*\.conf matched no file/,
  },
  { file: 'parameters.conf', configId: 'east', groups: ['DB'], says: /smtp_alert is not carried over/ },
];

function collect(): { stream: TextOut; text: () => string } {
  const chunks: string[] = [];
  const stream: TextOut = { write: (c) => chunks.push(c) };
  return { stream, text: () => chunks.join('') };
}

function runImport(c: Case): { code: number; yaml: string; notes: string } {
  const out = collect();
  const err = collect();
  const code = importKeepalivedCommand(
    { file: join(CORPUS, c.file), output: null, nodeId: null, peers: [], configId: c.configId ?? 'none', keyFile: '/etc/vipd/heartbeat.key', ...c.args },
    out.stream,
    err.stream,
  );
  return { code, yaml: out.text(), notes: err.text() };
}

describe('vipd import-keepalived on a corpus of keepalived.conf files', () => {
  for (const c of CASES) {
    it(`${c.file}: keepalived accepts it, and the vipd config imported from it loads offline`, () => {
      const k = keepalivedCheck(join(CORPUS, c.file), c.configId);
      if (c.keepalivedWarns) expect(k.output).toMatch(c.keepalivedWarns);
      else expect(k).toEqual({ status: 0, output: '' });

      const r = runImport(c);
      expect(r.notes).toMatch(c.says);
      expect(r.code).toBe(0);
      // The same check `vipd check-config` makes, without this host's key file and interfaces.
      expect(offlineConfigProblems(r.yaml)).toBeNull();
      const doc = parse(r.yaml) as { groups: Array<{ name: string }> };
      expect(doc.groups.map((g) => g.name)).toEqual(c.groups);
    });
  }

  it('the two files of a unicast pair import into two configs that name each other', () => {
    const [a, b] = ['unicast-haproxy-lb1.conf', 'unicast-haproxy-lb2.conf'].map(
      (file) =>
        parse(runImport({ file, groups: [], says: /./ }).yaml) as {
          node: { id: string };
          groups: Array<{ id: number; priority: number; peers: Array<{ id: string }> }>;
        },
    );
    expect(a?.groups[0]?.peers[0]?.id).toBe(b?.node.id);
    expect(b?.groups[0]?.peers[0]?.id).toBe(a?.node.id);
    expect([a?.groups[0]?.id, a?.groups[0]?.priority, b?.groups[0]?.priority]).toEqual([51, 150, 100]);
  });
});

describe('vipd import-keepalived (the command)', () => {
  beforeAll(() => ensureBuilt());
  const dir = mkdtempSync(join(tmpdir(), 'vipd-import-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vipd = (...args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [VIPD_MAIN, 'import-keepalived', ...args], { encoding: 'utf8' });

  it('writes the config with -o, lists what it could not carry over on stderr and exits 0', () => {
    const out = join(dir, 'vipd.yaml');
    const r = vipd(join(CORPUS, 'unicast-haproxy-lb1.conf'), '-o', out);
    expect([r.status, r.stdout]).toEqual([0, '']);
    expect(String(r.stderr)).toMatch(/enable_script_security/);
    expect(readFileSync(out, 'utf8')).toMatch(/^# Imported from .*unicast-haproxy-lb1\.conf/);
    const check = spawnSync(process.execPath, [VIPD_MAIN, 'check-config', out], { encoding: 'utf8' });
    // On this host the key file, ens5 and keepalived's notify scripts do not exist: check-config names
    // exactly those host facts, nothing in the mapping.
    expect(check.stderr).toMatch(/heartbeat\.keyFile/);
    expect(check.stderr).not.toMatch(/groups\[0\]\.(?!interface|vips|notify)/);
  });

  it('exits 78 when the result still needs a hand edit (multicast without --peer), and says why', () => {
    const r = vipd(join(CORPUS, 'sample.vrrp.conf'));
    expect(r.status).toBe(78);
    expect(String(r.stdout)).toMatch(/^groups:/m);
    expect(String(r.stderr)).toMatch(/the imported config does not load yet[\s\S]*groups\[0\]\.peers/);
  });

  it("exits 78 with VIPD_E_IMPORT's message on a file it cannot read, 64 on a malformed --peer", () => {
    const missing = vipd(join(dir, 'absent.conf'));
    expect([missing.status, String(missing.stderr)]).toEqual([78, expect.stringMatching(/cannot read .*absent\.conf/)]);
    const broken = join(dir, 'broken.conf');
    writeFileSync(broken, 'vrrp_instance A {\n');
    expect(String(vipd(broken).stderr)).toMatch(/broken\.conf:1: block opened here is never closed/);
    expect(vipd(join(CORPUS, 'sample.vrrp.conf'), '--peer', 'no-equals').status).toBe(64);
  });
});

/**
 * keepalived's own config check (`keepalived -t`), with interfaces allowed to
 * be absent and script security on, so that only the file's own problems show.
 */
function keepalivedCheck(file: string, configId: string | undefined): { status: number | null; output: string } {
  const wrapDir = mkdtempSync(join(tmpdir(), 'vipd-kcheck-'));
  try {
    const wrapper = join(wrapDir, 'keepalived.conf');
    writeFileSync(wrapper, `global_defs {\n  dynamic_interfaces\n  enable_script_security\n  script_user root\n}\ninclude ${file}\n`);
    const r = spawnSync('keepalived', ['-t', '-l', '-n', ...(configId ? ['-i', configId] : []), '-f', wrapper], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) throw new Error(`keepalived is needed for this test (scripts/setup.sh installs it): ${r.error.message}`);
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    rmSync(wrapDir, { recursive: true, force: true });
  }
}
