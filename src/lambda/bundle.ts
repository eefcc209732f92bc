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
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { ZipArchive } from 'archiver';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../paths.ts';

export interface LambdaZip {
  zip: Buffer;
  /** base64 of sha256(zip), the format of Lambda's CodeSha256. */
  sha256: string;
  bytes: number;
  buildMs: number;
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

async function bundleHandler(): Promise<ZipSource[]> {
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
  });
  return result.outputFiles.map((file) => ({ name: basename(file.path), contents: file.contents }));
}

/** Zips the files in sorted order with fixed dates, modes and compression. */
export async function deterministicZip(files: readonly ZipSource[]): Promise<Buffer> {
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

export async function buildLambdaZip(): Promise<LambdaZip> {
  const started = performance.now();
  const files = await bundleHandler();
  const zip = await deterministicZip(files);
  return { zip, sha256: codeSha256(zip), bytes: zip.length, buildMs: Math.round(performance.now() - started) };
}
