/**
 * Private file helper of the sandbox operations.
 *
 * @module
 */

/** Removes `path` recursively; a missing path is not an error. */
export async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
