// Decides whether `cli/bin.mjs` can run the prebuilt bundle in dist/ (see scripts/build.ts)
// instead of the TypeScript sources through tsx. Plain JavaScript: it runs before tsx is loaded.
//
// The bundle is used only when it is certainly current: dist/build-info.json lists the files it
// was built from (the tool's own sources, package.json and package-lock.json), and every one of
// them must still exist and be older than dist/main.js. An edited, added-to or deleted source, a
// `git pull` or a missing build all fall back to the sources, so the tool never runs stale code;
// `npm run build` (also run by `npm ci` through "prepare") makes the bundle current again.
// RESUME_INFRA_FROM_SOURCE=1 forces the sources.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUNDLE_ENTRY = join('dist', 'main.js');
export const BUILD_INFO = join('dist', 'build-info.json');

/** The bundle's entry file when it is current for the sources under `root`, else undefined. */
export function currentBundle(root, env = process.env) {
  if (env.RESUME_INFRA_FROM_SOURCE) return undefined;
  try {
    const entry = join(root, BUNDLE_ENTRY);
    const builtAt = statSync(entry).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(join(root, BUILD_INFO), 'utf8'));
    if (!Array.isArray(inputs) || inputs.length === 0) return undefined;
    for (const input of inputs) {
      if (statSync(join(root, input)).mtimeMs > builtAt) return undefined;
    }
    return entry;
  } catch {
    return undefined;
  }
}
