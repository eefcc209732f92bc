// Replacing a file that another process may be reading at the same moment (dist/ while a second
// test run starts the CLI from it, a screenshot two test runs save at once).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The suffix of replaceFile's temporary files; a directory sweep must leave them alone. */
export const PARTIAL_SUFFIX = '.partial';

/**
 * Writes `data` to a temporary file beside `path`, then renames it over `path`: a rename within a
 * directory is atomic, so a reader sees the old file or the new one, never half of either.
 */
export async function replaceFile(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}${PARTIAL_SUFFIX}`;
  await writeFile(partial, data);
  await rename(partial, path);
}
