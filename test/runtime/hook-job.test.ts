import { hookForTransition } from '../../src/runtime/hook-job';
import { testGroup } from '../support/config';

/** The environment a notify hook runs with (docs/trackers.md, "Notify hooks"). */
describe('hookForTransition', () => {
  const group = testGroup((g) => {
    g.vips = ['10.0.1.50', '10.0.1.51'];
    g.notify = { master: ['/usr/local/bin/became-master', '--now'], backup: null, timeoutMs: '5s' };
  });

  it('carries the argv, the timeout and what happened, for the script', () => {
    expect(hookForTransition(group, { from: 'BACKUP', to: 'MASTER', reason: 'master-down' }, ['10.0.1.50', '10.0.1.51'], 'node-a')).toEqual({
      group: 'web',
      event: 'master',
      argv: ['/usr/local/bin/became-master', '--now'],
      timeoutMs: 5000,
      context: {
        VIPD_GROUP: 'web',
        VIPD_EVENT: 'master',
        VIPD_FROM: 'BACKUP',
        VIPD_TO: 'MASTER',
        VIPD_REASON: 'master-down',
        VIPD_VIPS: '10.0.1.50,10.0.1.51',
        VIPD_NODE_ID: 'node-a',
      },
    });
  });

  it('is a job without argv for an event with no hook configured (the queue still sees it in order)', () => {
    expect(hookForTransition(group, { from: 'MASTER', to: 'BACKUP', reason: 'preempted' }, ['10.0.1.50'], 'node-a')).toMatchObject({
      event: 'backup',
      argv: null,
    });
  });

  it('is null for a role without a hook (INIT)', () => {
    expect(hookForTransition(group, { from: 'INIT', to: 'INIT', reason: 'start' }, [], 'node-a')).toBeNull();
  });
});
