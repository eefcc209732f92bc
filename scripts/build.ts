// Builds dist/: the CLI and everything it imports bundled by esbuild, split per command so that
// `--help` loads no AWS SDK code. `cli/bin.mjs` runs it when it is current (cli/bundle-check.mjs)
// and the TypeScript sources through tsx otherwise. Run by `npm run build`, and by `npm ci` /
// `npm install` through "prepare".
//
//   npx tsx scripts/build.ts
//
// Kept out of the bundle: esbuild (a native binary, used at run time to bundle the Lambda
// handler), and archiver and adm-zip (they load files relative to their own package).
import { readdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { BUILD_INFO, BUNDLE_ENTRY } from '../cli/bundle-check.mjs';
import { MINIMUM_NODE } from '../cli/node-version.mjs';
import { PARTIAL_SUFFIX, replaceFile } from '../src/files.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXTERNAL = ['esbuild', 'archiver', 'adm-zip'];
// The files besides the sources whose change must invalidate the bundle.
const MANIFESTS = ['package.json', 'package-lock.json'];

/**
 * `import('node:http')` (the SDK's handler does it for an http:// endpoint, and before sending
 * IMDS requests) and `import ... from 'node:http'` make Node build the module's ES-module facade,
 * which reads every export, and node:http's WebSocket, CloseEvent and MessageEvent getters load
 * undici: about 20 ms before the first request (bench/FLOOR.md). This serves node:http to the
 * bundle from `require` instead, with every export but those three, which nothing here uses (a
 * static import of a missing name fails the build).
 */
const HTTP_EXPORTS = [
  'METHODS', 'STATUS_CODES', 'Agent', 'ClientRequest', 'IncomingMessage', 'OutgoingMessage', 'Server', 'ServerResponse', 'createServer',
  'validateHeaderName', 'validateHeaderValue', 'get', 'request', 'setMaxIdleHTTPParsers', 'maxHeaderSize', 'globalAgent',
];
const SHIM_NAMESPACE = 'http-from-require';
const httpWithoutUndici: Plugin = {
  name: 'node-http-without-undici',
  setup(builder) {
    builder.onResolve({ filter: /^(node:)?http$/ }, () => ({ path: 'node:http', namespace: SHIM_NAMESPACE }));
    builder.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, () => ({
      contents: [
        "import { createRequire } from 'node:module';",
        "const http = createRequire(import.meta.url)('node:http');",
        'export default http;',
        `export const { ${HTTP_EXPORTS.join(', ')} } = http;`,
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * How the CLI is bundled, apart from its entry and output: the benchmark's SDK-alone baseline
 * (bench/sdk-alone.ts, built by bench/sdk-alone-build.ts) is bundled with the same options.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The oldest Node the CLI supports (cli/node-version.mjs).
  target: `node${MINIMUM_NODE}`,
  plugins: [httpWithoutUndici],
  // The SDK's ES module builds (its "module" field) before its CommonJS ones: esbuild can then
  // drop the commands the CLI never sends, and no CommonJS export object is copied at start-up.
  // A CLI process starts about 0.17 s sooner on Node 20 (bench/startup.ts).
  mainFields: ['module', 'main'],
  // The SDK is CommonJS; a bundled `require` of a Node built-in needs a real require in ESM.
  banner: { js: "import { createRequire as __resumeInfraRequire } from 'node:module'; const require = __resumeInfraRequire(import.meta.url);" },
  // Class names stay as written: the clients are told apart by name (src/aws/clients.ts).
  keepNames: true,
} satisfies BuildOptions;

export interface BuildResult {
  files: number;
  bytes: number;
  inputs: string[];
  ms: number;
}

/**
 * Puts the new bundle in place file by file, each by an atomic rename, the chunks before the entry
 * that imports them, then deletes what earlier builds left. A CLI started from dist/ meanwhile (by
 * a test run on another Node version, say) never finds a chunk missing or half-written: the same
 * sources give the same file names and bytes. The entry goes last: if the build stops before it,
 * dist/main.js is older than the changed sources and bundle-check.mjs does not use the bundle.
 */
async function replaceOutputs(root: string, outdir: string, files: ReadonlyArray<{ path: string; contents: Uint8Array }>): Promise<void> {
  const entry = join(root, BUNDLE_ENTRY);
  const ordered = [...files.filter((file) => file.path !== entry), ...files.filter((file) => file.path === entry)];
  for (const file of ordered) await replaceFile(file.path, file.contents);
  // The build info too: it is replaced (atomically) after this sweep, and a CLI started meanwhile
  // (by a test run on another Node version, say) that found it missing would not use the bundle.
  const keep = new Set([...files.map((file) => file.path), join(root, BUILD_INFO)]);
  for (const found of await readdir(outdir, { recursive: true, withFileTypes: true })) {
    const path = join(found.parentPath, found.name);
    if (found.isFile() && !keep.has(path) && !found.name.endsWith(PARTIAL_SUFFIX)) await rm(path, { force: true });
  }
}

export async function buildCli(root = ROOT): Promise<BuildResult> {
  const started = performance.now();
  const outdir = join(root, 'dist');
  const result = await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: [join(root, 'cli', 'main.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    metafile: true,
    logLevel: 'warning',
    write: false,
  });
  await replaceOutputs(root, outdir, result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })));
  const own = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith(`${SHIM_NAMESPACE}:`))
    .map((input) => relative(root, resolve(root, input)).split('\\').join('/'))
    .filter((input) => !input.startsWith('node_modules/') && !input.startsWith('..'));
  const inputs = [...new Set([...own, ...MANIFESTS])].sort();
  await replaceFile(join(root, BUILD_INFO), `${JSON.stringify({ inputs }, null, 2)}\n`);
  const outputs = Object.values(result.metafile.outputs);
  return { files: outputs.length, bytes: outputs.reduce((total, output) => total + output.bytes, 0), inputs, ms: performance.now() - started };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildCli();
  process.stdout.write(`dist/: ${built.files} files, ${(built.bytes / 1024 ** 2).toFixed(1)} MiB from ${built.inputs.length} source files in ${Math.round(built.ms)} ms\n`);
}
