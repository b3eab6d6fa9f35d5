/**
 * Sets a field from client JSON as an own data property, so a `"__proto__"` key stays a key
 * (then reported as an unknown field) instead of changing the object's prototype.
 *
 * @module
 */

/** `obj[key] = value`, safe for the key `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
