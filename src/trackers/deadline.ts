/**
 * Settles like `work`, or rejects with onTimeout() if work has not settled
 * after timeoutMs. The work itself is not cancelled: use it only where the
 * work cannot hold anything worth killing (a sysfs read).
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
