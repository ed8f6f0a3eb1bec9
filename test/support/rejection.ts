import { VipdError } from '../../src/errors';

/** The VipdError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<VipdError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VipdError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}
