/**
 * The loaded config is shared by every component; freezing it all the way
 * down makes an accidental write throw instead of silently changing what
 * another component sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
