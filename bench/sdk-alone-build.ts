// Builds bench/sdk-alone.ts (the AWS SDK alone, sending `plan`'s requests) as the CLI is built, for
// bench/floor.ts and the stack section of bench/run.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../scripts/build.ts';
import { STACK_DOMAIN } from './warm-stack.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Node's arguments for one run of the baseline against `project`, a stack `up` deployed with the bench's domain. */
export type SdkAloneArgs = (endpoint: string, project: string) => string[];

/**
 * Bundles bench/sdk-alone.ts with the CLI's build options into `dir`, behind an entry that turns on
 * Node's compile cache as cli/bin.mjs does, and says how to run it.
 */
export async function buildSdkAlone(dir: string): Promise<SdkAloneArgs> {
  await mkdir(dir, { recursive: true });
  await build({ ...BUNDLE_OPTIONS, absWorkingDir: REPO, entryPoints: [join(REPO, 'bench', 'sdk-alone.ts')], outdir: join(dir, 'dist'), logLevel: 'warning' });
  const entry = join(dir, 'run.mjs');
  await writeFile(entry, "import module from 'node:module';\nmodule.enableCompileCache?.();\nawait import('./dist/sdk-alone.js');\n");
  return (endpoint, project) => [entry, endpoint, project, STACK_DOMAIN.hostedZone];
}
