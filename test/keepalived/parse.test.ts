import { isVipdError } from '../../src/errors';
import { parseKeepalived, type KeepalivedSource, type KeepalivedStatement } from '../../src/keepalived/parse';

/** An in-memory file tree; glob understands a trailing '*' only (the real one is tested in glob.test.ts). */
function memory(files: Record<string, string>): KeepalivedSource {
  return {
    read: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT: ${p}`);
      return text;
    },
    glob: (pattern) => {
      if (!pattern.includes('*')) return files[pattern] === undefined ? [] : [pattern];
      const prefix = pattern.slice(0, pattern.indexOf('*'));
      const suffix = pattern.slice(pattern.indexOf('*') + 1);
      return Object.keys(files)
        .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
        .sort();
    },
  };
}

const parse = (text: string, configId: string | null = null, more: Record<string, string> = {}): ReturnType<typeof parseKeepalived> =>
  parseKeepalived('/etc/keepalived/keepalived.conf', memory({ '/etc/keepalived/keepalived.conf': text, ...more }), { configId });

/** The tree as nested word lists, to compare shapes. */
function shape(statements: readonly KeepalivedStatement[]): unknown[] {
  return statements.map((s) => (s.block === null ? s.words.join(' ') : { [s.words.join(' ')]: shape(s.block) }));
}

describe('parseKeepalived', () => {
  it('reads blocks, one statement per line, with # and ! comments anywhere', () => {
    const r = parse('! header\nvrrp_instance VI_1 {   # the web VIP\n  priority 100 ! high\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n');
    expect(shape(r.statements)).toEqual([{ 'vrrp_instance VI_1': ['priority 100', { virtual_ipaddress: ['10.0.0.1/24'] }] }]);
    expect(r.statements[0]?.block?.[0]?.at).toBe('/etc/keepalived/keepalived.conf:3');
    expect(r.notes).toEqual([]);
  });

  it('takes a brace on its own line, a block on one line and a closing brace after a word', () => {
    const r = parse('vrrp_script chk\n{\n  script "/bin/true"\n}\nauthentication { auth_type PASS }\nunicast_peer {\n 10.0.0.2 }\n');
    expect(shape(r.statements)).toEqual([{ 'vrrp_script chk': ['script /bin/true'] }, { authentication: ['auth_type PASS'] }, { unicast_peer: ['10.0.0.2'] }]);
  });

  it('keeps a quoted string as one word, with # and ! and braces inside it', () => {
    const r = parse('notify_master "/usr/bin/x --tag #1 {a} !"  # comment\n');
    expect(r.statements[0]?.words).toEqual(['notify_master', '/usr/bin/x --tag #1 {a} !']);
  });

  it('includes files by glob, relative to the including file, in order, at the place of the include', () => {
    const r = parse('global_defs {\n}\ninclude conf.d/*.conf\nvrrp_script last {\n}\n', null, {
      '/etc/keepalived/conf.d/20-b.conf': 'vrrp_instance B {\n include ../inner.conf\n}\n',
      '/etc/keepalived/conf.d/10-a.conf': 'vrrp_instance A {\n}\n',
      '/etc/keepalived/inner.conf': 'priority 7\n',
    });
    expect(shape(r.statements)).toEqual([{ global_defs: [] }, { 'vrrp_instance A': [] }, { 'vrrp_instance B': ['priority 7'] }, { 'vrrp_script last': [] }]);
    expect(r.statements[2]?.block?.[0]?.at).toBe('/etc/keepalived/inner.conf:1');
  });

  it('notes an include that matches nothing and goes on', () => {
    const r = parse('includer /etc/keepalived/missing/*.conf\nvrrp_instance A {\n}\n');
    expect(r.notes).toEqual(['/etc/keepalived/keepalived.conf:1: includer /etc/keepalived/missing/*.conf matched no file']);
    expect(r.statements).toHaveLength(1);
  });

  it('refuses an include cycle, an unclosed block, an unclosed quote and an unreadable file with VIPD_E_IMPORT', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['include /etc/keepalived/keepalived.conf\n', {}, /includes itself/],
      ['vrrp_instance A {\n  priority 1\n', {}, /keepalived\.conf:1: block opened here is never closed/],
      ['notify_master "/bin/x\n', {}, /keepalived\.conf:1: a quoted string is not closed/],
      ['include /etc/keepalived/b.conf\n', { '/etc/keepalived/b.conf': 'vrrp_instance {\n' }, /b\.conf:1: block opened here is never closed/],
    ];
    for (const [text, more, message] of cases) {
      let thrown: unknown;
      try {
        parse(text, null, more);
      } catch (e) {
        thrown = e;
      }
      expect(isVipdError(thrown) && thrown.code === 'VIPD_E_IMPORT' && message.test(thrown.message)).toBe(true);
    }
    expect(() => parseKeepalived('/nope.conf', memory({}), { configId: null })).toThrow(/cannot read \/nope\.conf: ENOENT/);
  });

  it('notes a stray closing brace', () => {
    expect(parse('}\nvrrp_instance A {\n}\n').notes).toEqual(["/etc/keepalived/keepalived.conf:1: '}' without an open block ignored"]);
  });

  it('keeps @id lines on that config id only and @^id lines everywhere else', () => {
    const text = 'vrrp_instance A {\n@main priority 200\n@backup priority 100\n@^main unicast_src_ip 10.0.0.2\n}\n';
    expect(shape(parse(text, 'main').statements)).toEqual([{ 'vrrp_instance A': ['priority 200'] }]);
    expect(shape(parse(text, 'backup').statements)).toEqual([{ 'vrrp_instance A': ['priority 100', 'unicast_src_ip 10.0.0.2'] }]);
    expect(shape(parse(text, null).statements)).toEqual([{ 'vrrp_instance A': ['unicast_src_ip 10.0.0.2'] }]);
  });

  it('substitutes $NAME and ${NAME} (recursively, at use), leaves undefined ones, expands multi-line definitions', () => {
    const text = [
      '$BASE=10.2.${SUB}',
      '$SUB=0',
      '$PRIO=150',
      '$INSTANCE= \\',
      'vrrp_instance VI_${NUM} { \\',
      '  priority $PRIO \\',
      '}',
      '$NUM=1',
      '$INSTANCE',
      '$NUM=2',
      '$INSTANCE',
      'virtual_ipaddress {',
      '  ${BASE}.100/32',
      '  $UNDEFINED',
      '}',
    ].join('\n');
    expect(shape(parse(text).statements)).toEqual([
      { 'vrrp_instance VI_1': ['priority 150'] },
      { 'vrrp_instance VI_2': ['priority 150'] },
      { virtual_ipaddress: ['10.2.0.100/32', '$UNDEFINED'] },
    ]);
  });

  it('applies a conditional parameter definition only on its config id', () => {
    const text = '@east $PRIO=120\n@west $PRIO=110\npriority $PRIO\n';
    expect(shape(parse(text, 'west').statements)).toEqual(['priority 110']);
  });
});
