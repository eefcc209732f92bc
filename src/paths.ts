// Where the tool's own files are, whether it runs from its TypeScript sources (tsx) or from the
// bundle in dist/ (see scripts/build.ts): the nearest directory above this module that holds
// resume-infra's package.json. In a bundle every module shares one import.meta.url, so paths
// relative to a module's own file would point into dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'resume-infra') return dir;
    if (dirname(dir) === dir) throw new Error(`resume-infra: no package.json named resume-infra above ${start}`);
  }
}

/** The repository (or installed package) root. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The tool's caches (the counter's zip, the account ids): git-ignored, per checkout. */
export const CACHE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'resume-infra');

export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
