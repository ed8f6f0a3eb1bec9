import type { GroupConfig, VipdConfig } from '../../src/config/types';
import { type Doc, baseConfig, group0, load, makeFixture } from '../config/helpers';

/**
 * The one way unit tests get a configuration: a small valid document,
 * changed by the test, through the project's own loader (defaults filled,
 * every rule checked, deep-frozen), so a test never builds a config the
 * loader would refuse and never casts one (`as unknown as GroupConfig`).
 * The interface lookup is the fixture host's (eth0 with 10.0.1.11/24 and
 * fd00:1::11/64); the key file is a temp file removed before returning.
 */
export function testConfig(patch: (doc: Doc) => void = () => undefined): VipdConfig {
  const fx = makeFixture();
  try {
    const doc = baseConfig(fx.keyFile);
    patch(doc);
    return load(fx, doc);
  } finally {
    fx.cleanup();
  }
}

/** The first group of testConfig, with `patch` applied to that group's document. */
export function testGroup(patch: (group: Doc) => void = () => undefined): GroupConfig {
  const group = testConfig((doc) => patch(group0(doc))).groups[0];
  if (group === undefined) throw new Error('the test config has no group');
  return group;
}
