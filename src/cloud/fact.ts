import { isVipdError } from '../errors';
import type { CloudFactError } from './provider';

/** One doctor fact: its value, or the typed error that kept us from reading it (never a silent null). */
export async function readFact<T>(read: () => Promise<T>): Promise<T | CloudFactError> {
  try {
    return await read();
  } catch (e) {
    if (isVipdError(e)) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}
