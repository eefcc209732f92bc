// Bundles the counter handler with esbuild and zips it deterministically, so the same source
// gives the same bytes, and so the same CodeSha256 that `deploy-lambda` compares against.
//
// What makes the zip reproducible:
// - esbuild's minified output has no paths, comments or timestamps (legalComments: 'none', no
//   sourcemap); the Node version running the build does not matter, `target` is fixed.
// - archiver/zip-stream write only the DOS date and time, with no extended-timestamp extra field,
//   and take them in UTC unless `forceLocalTime` is set, so a fixed instant gives the same bytes
//   in every time zone.
// - each entry gets a fixed mode and entries are added in sorted order.
// - entries are STOREd (level 0), not deflated: deflate output is only as stable as the zlib
//   build inside the Node that runs the tool, and a developer's laptop and CI need not agree on
//   that. The bundle is a few kilobytes; compression would save almost nothing.
//
// Building takes esbuild's service process and archiver, which cost a plan more than its reads
// of the function do, so `cachedLambdaZip` keeps the last zip in node_modules/.cache and reuses
// it while every file esbuild read for it is byte-for-byte the same (see below). Both packages
// are imported only when a build runs.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { replaceFile } from '../files.ts';
import { CACHE_DIR, PACKAGE_ROOT } from '../paths.ts';

export interface LambdaZip {
  zip: Buffer;
  /** base64 of sha256(zip), the format of Lambda's CodeSha256. */
  sha256: string;
  bytes: number;
  buildMs: number;
  /** True when the zip came from the cache (cachedLambdaZip) rather than a build. */
  cached?: boolean;
}

/** The handler source; `dev` watches `LAMBDA_SOURCE_DIR` to rebuild. */
export const LAMBDA_SOURCE_DIR = join(PACKAGE_ROOT, 'src', 'lambda');
export const HANDLER_SOURCE = join(LAMBDA_SOURCE_DIR, 'handler.ts');

export const ZIP_ENTRY_NAME = 'index.mjs';
/** The Lambda `Handler` setting for this zip. */
export const LAMBDA_HANDLER = 'index.handler';
/** The esbuild target: the Node of the function's runtime (RUNTIME in src/resources/function.ts). */
export const BUNDLE_TARGET = 'node24';
/** Before 1980 the DOS date cannot express it; zip-stream reads it in UTC. */
const ZIP_ENTRY_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
const ZIP_ENTRY_MODE = 0o644;
const ZIP_COMPRESSION_LEVEL = 0;

interface ZipSource {
  name: string;
  contents: Uint8Array;
}

interface Bundled {
  files: ZipSource[];
  /** Every file esbuild read, relative to PACKAGE_ROOT. */
  inputs: string[];
}

async function bundleHandler(): Promise<Bundled> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [HANDLER_SOURCE],
    absWorkingDir: PACKAGE_ROOT,
    outfile: ZIP_ENTRY_NAME,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minify: true,
    external: ['@aws-sdk/*'],
    write: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  return {
    files: result.outputFiles.map((file) => ({ name: basename(file.path), contents: file.contents })),
    inputs: Object.keys(result.metafile.inputs).sort(),
  };
}

/** Zips the files in sorted order with fixed dates, modes and compression. */
export async function deterministicZip(files: readonly ZipSource[]): Promise<Buffer> {
  const { ZipArchive } = await import('archiver');
  const archive = new ZipArchive({ zlib: { level: ZIP_COMPRESSION_LEVEL }, forceLocalTime: false });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('warning', reject);
    archive.on('error', reject);
    archive.on('end', () => resolve(Buffer.concat(chunks)));
  });
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const file of sorted) {
    archive.append(Buffer.from(file.contents), { name: file.name, date: ZIP_ENTRY_DATE, mode: ZIP_ENTRY_MODE });
  }
  await archive.finalize();
  return finished;
}

export function codeSha256(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64');
}

async function buildWithInputs(): Promise<{ built: LambdaZip; inputs: string[] }> {
  const started = performance.now();
  const { files, inputs } = await bundleHandler();
  const zip = await deterministicZip(files);
  return { built: { zip, sha256: codeSha256(zip), bytes: zip.length, buildMs: Math.round(performance.now() - started) }, inputs };
}

export async function buildLambdaZip(): Promise<LambdaZip> {
  return (await buildWithInputs()).built;
}

// ---------------------------------------------------------------------------------------------
// The cache. An entry is the zip and a record of what it was built from: the esbuild version, the
// target and a SHA-256 of every input file esbuild read (the handler and whatever it imports). It
// is used only when all of these match and the zip's own SHA-256 is the recorded one, so an
// edited handler, an upgraded esbuild, a half-written or hand-edited entry all mean a new build.
// Writing the cache is best effort (a read-only install just builds every time).

export const LAMBDA_CACHE_DIR = CACHE_DIR;
const CACHE_FORMAT = 1;

interface CacheRecord {
  format: number;
  esbuild: string;
  target: string;
  inputs: Array<[path: string, sha256: string]>;
  sha256: string;
}

function esbuildVersion(): string {
  const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
  return (require('esbuild/package.json') as { version: string }).version;
}

async function hashInputs(paths: readonly string[]): Promise<Array<[string, string]>> {
  return Promise.all(paths.map(async (path): Promise<[string, string]> => [path, createHash('sha256').update(await readFile(join(PACKAGE_ROOT, path))).digest('hex')]));
}

async function fromCache(dir: string, esbuild: string): Promise<LambdaZip | undefined> {
  try {
    const record = JSON.parse(await readFile(join(dir, 'lambda-zip.json'), 'utf8')) as CacheRecord;
    if (record.format !== CACHE_FORMAT || record.esbuild !== esbuild || record.target !== BUNDLE_TARGET || !Array.isArray(record.inputs) || record.inputs.length === 0) return undefined;
    const now = await hashInputs(record.inputs.map(([path]) => path));
    if (now.some(([, sha256], index) => sha256 !== record.inputs[index]?.[1])) return undefined;
    const zip = await readFile(join(dir, 'lambda.zip'));
    const sha256 = codeSha256(zip);
    if (sha256 !== record.sha256) return undefined;
    return { zip, sha256, bytes: zip.length, buildMs: 0, cached: true };
  } catch {
    return undefined; // no entry yet, or one that cannot be read: build
  }
}

/**
 * The counter's zip, from the cache when nothing it was built from has changed, else built (and
 * cached). The bytes are the same either way: the build is deterministic.
 */
export async function cachedLambdaZip(dir = LAMBDA_CACHE_DIR): Promise<LambdaZip> {
  const esbuild = esbuildVersion();
  const hit = await fromCache(dir, esbuild);
  if (hit) return hit;
  const { built, inputs } = await buildWithInputs();
  try {
    const record: CacheRecord = { format: CACHE_FORMAT, esbuild, target: BUNDLE_TARGET, inputs: await hashInputs(inputs), sha256: built.sha256 };
    await replaceFile(join(dir, 'lambda.zip'), built.zip);
    await replaceFile(join(dir, 'lambda-zip.json'), `${JSON.stringify(record, null, 2)}\n`);
  } catch {
    // best effort: the next run builds again
  }
  return built;
}
