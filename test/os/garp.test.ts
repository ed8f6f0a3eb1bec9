import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GarpBinding, NativeGarpSender, findGarpAddon, loadNativeGarp } from '../../src/os/garp';

/** Records every frame the sender asks the addon for, and can fail like the kernel does. */
class RecordingBinding implements GarpBinding {
  readonly frames: Array<[string, string, boolean]> = [];
  failWith: { code: string; message: string; syscall: string } | null = null;
  sendGratuitousArp(iface: string, ipv4: string, reply: boolean): void {
    if (this.failWith) throw Object.assign(new Error(this.failWith.message), { code: this.failWith.code, syscall: this.failWith.syscall });
    this.frames.push([iface, ipv4, reply]);
  }
}

describe('NativeGarpSender', () => {
  it('sends the first round (request, then reply form) before announce() returns', () => {
    const b = new RecordingBinding();
    const p = new NativeGarpSender(b, 5).announce({ iface: 'eth0', address: '10.0.1.100', count: 3, signal: new AbortController().signal });
    expect(b.frames).toEqual([
      ['eth0', '10.0.1.100', false],
      ['eth0', '10.0.1.100', true],
    ]);
    return p;
  });

  it('sends count rounds in all', async () => {
    const b = new RecordingBinding();
    await new NativeGarpSender(b, 1).announce({ iface: 'eth0', address: '10.0.1.100', count: 3, signal: new AbortController().signal });
    expect(b.frames).toHaveLength(6);
    expect(b.frames.map((f) => f[2])).toEqual([false, true, false, true, false, true]);
  });

  it('an abort (release) stops the rounds still to come, quietly', async () => {
    const b = new RecordingBinding();
    const ac = new AbortController();
    const p = new NativeGarpSender(b, 60_000).announce({ iface: 'eth0', address: '10.0.1.100', count: 5, signal: ac.signal });
    ac.abort();
    await expect(p).resolves.toBeUndefined();
    expect(b.frames).toHaveLength(2);
  });

  it.each([
    ['ENODEV', 'VIPD_E_INTERFACE', /interface eth9 does not exist/],
    ['EPERM', 'VIPD_E_GARP', /CAP_NET_RAW/],
    ['ENETDOWN', 'VIPD_E_GARP', /eth9 is down/],
    ['EAGAIN', 'VIPD_E_GARP', /transmit queue of eth9 is full/],
    ['EINVAL', 'VIPD_E_GARP', /failed: ioctl/],
  ])('errno %s becomes %s with the cause in the message', async (errno, code, message) => {
    const b = new RecordingBinding();
    b.failWith = { code: errno, message: `ioctl(SIOCGIFINDEX): ${errno}`, syscall: 'ioctl(SIOCGIFINDEX)' };
    const p = new NativeGarpSender(b, 1).announce({ iface: 'eth9', address: '10.0.1.100', count: 1, signal: new AbortController().signal });
    await expect(p).rejects.toMatchObject({ code, message: expect.stringMatching(message), details: { iface: 'eth9', address: '10.0.1.100', errno } });
  });

  it('a failure in a later round rejects the burst', async () => {
    const b = new RecordingBinding();
    const p = new NativeGarpSender(b, 1).announce({ iface: 'eth0', address: '10.0.1.100', count: 2, signal: new AbortController().signal });
    b.failWith = { code: 'ENETDOWN', message: 'sendto: Network is down', syscall: 'sendto' };
    await expect(p).rejects.toMatchObject({ code: 'VIPD_E_GARP', transient: true });
  });
});

describe('loading the addon', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vipd-garp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds build/Release/vipd_garp.node at the package root above the module, or reports it missing', () => {
    writeFileSync(join(dir, 'package.json'), '{}');
    mkdirSync(join(dir, 'dist', 'src', 'os'), { recursive: true });
    expect(findGarpAddon(join(dir, 'dist', 'src', 'os'))).toBeNull();
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'vipd_garp.node'), '');
    expect(findGarpAddon(join(dir, 'dist', 'src', 'os'))).toBe(join(dir, 'build', 'Release', 'vipd_garp.node'));
  });

  it('not built, not loadable, or not ours: VIPD_E_TOOL_MISSING naming the fix', () => {
    expect(() => loadNativeGarp(null)).toThrow(
      expect.objectContaining({ code: 'VIPD_E_TOOL_MISSING', message: expect.stringContaining('npm run build:native') }),
    );
    const garbage = join(dir, 'garbage.node');
    writeFileSync(garbage, 'not an ELF file');
    expect(() => loadNativeGarp(garbage)).toThrow(expect.objectContaining({ code: 'VIPD_E_TOOL_MISSING', message: expect.stringContaining('does not load') }));
    const notOurs = join(dir, 'other.js');
    writeFileSync(notOurs, 'module.exports = { something: 1 };');
    expect(() => loadNativeGarp(notOurs)).toThrow(
      expect.objectContaining({ code: 'VIPD_E_TOOL_MISSING', message: expect.stringContaining("not vipd's in-process ARP sender") }),
    );
  });

  it('the addon built by npm ci loads and rejects bad arguments and non-Ethernet interfaces with errno codes', () => {
    const path = findGarpAddon();
    expect(path).not.toBeNull();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the native addon itself
    const binding = require(path ?? '') as GarpBinding;
    expect(() => binding.sendGratuitousArp('lo', 'not-an-ip', false)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // Cast on purpose: a call with no arguments at all, which the addon's own argument check must refuse.
    expect(() => (binding.sendGratuitousArp as unknown as () => void)()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => binding.sendGratuitousArp('x'.repeat(40), '10.0.0.1', false)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // Loopback has no MAC: refused before anything is sent (nothing leaves this host).
    expect(() => binding.sendGratuitousArp('lo', '127.0.0.2', false)).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('not an Ethernet interface') }),
    );
    expect(() => binding.sendGratuitousArp('vipd-no-such0', '10.0.0.1', false)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});
