import { hookArgvFor, hookContext, hookEventFor } from '../../src/hooks/hook-context';

describe('hook context', () => {
  it('maps roles to hook events; INIT fires none', () => {
    expect(['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'].map((r) => hookEventFor(r as Parameters<typeof hookEventFor>[0]))).toEqual([null, 'backup', 'master', 'fault', 'stop']);
  });

  it('picks the configured argv per event', () => {
    const notify = { master: ['/bin/m'], backup: null, fault: ['/bin/f', '--x'], stop: null, timeoutMs: 1000 };
    expect(hookArgvFor(notify, 'master')).toEqual(['/bin/m']);
    expect(hookArgvFor(notify, 'backup')).toBeNull();
    expect(hookArgvFor(notify, 'fault')).toEqual(['/bin/f', '--x']);
  });

  it('builds the VIPD_* environment', () => {
    expect(hookContext({ from: 'BACKUP', to: 'MASTER', reason: 'master-down', vips: ['10.0.0.10', '10.0.0.11'], nodeId: 'node-a' })).toEqual({
      VIPD_FROM: 'BACKUP',
      VIPD_TO: 'MASTER',
      VIPD_REASON: 'master-down',
      VIPD_VIPS: '10.0.0.10,10.0.0.11',
      VIPD_NODE_ID: 'node-a',
    });
  });
});
