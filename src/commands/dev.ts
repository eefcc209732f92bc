// `dev`: a local preview with no AWS account. Runs `up` against the local AWS emulator, serves
// the site from the emulator's bucket the way CloudFront would (through the same viewer-request
// function code, in node:vm), answers /count with the handler from the zip `up` deployed, and
// redeploys on every saved change.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import AdmZip from 'adm-zip';
import { watch, type FSWatcher } from 'chokidar';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { buildFunctionCode } from '../edge/code.ts';
import { previewRedirect, type PreviewRedirect } from '../dev/preview-redirect.ts';
import { readStage } from '../edge/function-api.ts';
import { startEmulator, type Emulator } from '../emulator.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { UserError } from '../errors.ts';
import { buildLambdaZip, LAMBDA_SOURCE_DIR, ZIP_ENTRY_NAME } from '../lambda/bundle.ts';
import { startPreviewServer, type ProxyHandler } from '../dev/server.ts';
import { deployLambda } from './deploy-lambda.ts';
import { deploySite } from './deploy-site.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { localFindings, raiseProblems } from '../project/preflight.ts';
import { openProject, type Project } from '../project/project.ts';
import { cliCommand } from '../ui/recovery.ts';
import { up } from './up.ts';

export interface DevOptions {
  port?: string;
}

const DEFAULT_PORT = 8080;

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port "${raw}" is not a port number; use one from 1 to 65535, like 8080`);
  return port;
}

/**
 * The preview's config: the user's, without the custom domain (the emulator has no DNS to
 * validate it against), or a sample project when there is no config file yet. Also returns the
 * redirect the user's config asks for, which the preview runs itself (see previewEdgeCode).
 */
async function previewConfig(configPath: string): Promise<{ path: string; redirect: PreviewRedirect }> {
  const dir = await mkdtemp(join(tmpdir(), 'resume-infra-dev-'));
  const path = join(dir, 'resume-infra.json');
  let config: Record<string, unknown> = { project: 'resume-preview' };
  let redirect: PreviewRedirect = { domain: null, redirectFrom: [] };
  if (existsSync(configPath)) {
    try {
      config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    } catch {
      config = { project: 'resume-preview' }; // openProject reports the syntax error of the real file below
    }
    redirect = previewRedirect(config);
    delete config.domain;
    delete config.hostedZone;
    delete config.redirectFrom;
  }
  const baseDir = existsSync(configPath) ? resolve(configPath, '..') : process.cwd();
  if (typeof config.region !== 'string') config.region = process.env.AWS_REGION ?? 'us-east-1';
  config.siteDir = resolve(baseDir, typeof config.siteDir === 'string' ? config.siteDir : 'site');
  await writeFile(path, JSON.stringify(config, null, 2));
  return { path, redirect };
}

/**
 * The code the preview runs for a request: the deployed function's LIVE code, read again each
 * time (one local call), so a `rollback` or a deploy against this emulator shows on the next
 * request. The preview's function was deployed without a domain (the preview's config drops it),
 * so it never redirects; the preview runs instead the same source built with the user's domain
 * and redirectFrom and the LIVE code's release. Hand-edited LIVE code runs as it is.
 */
async function previewEdgeCode(project: Project, redirect: PreviewRedirect): Promise<string> {
  const live = await readStage(project.aws, project.names.edgeFunction, 'LIVE');
  if (!live) throw new Error(`the preview's CloudFront function ${project.names.edgeFunction} has no published code; run dev again`);
  if (!live.settings) return live.code;
  return buildFunctionCode({ ...redirect, release: live.settings.release });
}

/**
 * Inside the repository, so the bundle's external @aws-sdk imports resolve from node_modules;
 * one directory per process, so two previews (or test suites on two Node versions) never
 * overwrite or delete each other's handler.
 */
function devBuildDir(): string {
  return join(PACKAGE_ROOT, '.build', `dev-${process.pid}`);
}

/** Loads the handler from the zip itself, with the deployed function's environment. */
async function loadHandler(project: Project, generation: number): Promise<ProxyHandler> {
  const built = await buildLambdaZip();
  const functionName = project.names.function;
  const configuration = await project.aws.client(LambdaClient).send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  if (configuration.CodeSha256 !== built.sha256) throw new Error(`the deployed ${functionName} code (${configuration.CodeSha256}) differs from the built zip (${built.sha256})`);
  const entry = new AdmZip(built.zip).getEntry(ZIP_ENTRY_NAME);
  if (!entry) throw new Error(`the built zip has no ${ZIP_ENTRY_NAME}`);
  const dir = devBuildDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `index-${generation}.mjs`);
  await writeFile(file, entry.getData());
  Object.assign(process.env, configuration.Environment?.Variables ?? {});
  const module = (await import(pathToFileURL(file).href)) as { handler?: ProxyHandler };
  if (typeof module.handler !== 'function') throw new Error(`${ZIP_ENTRY_NAME} exports no handler`);
  return module.handler;
}

function debounced(action: () => Promise<void>, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(action, action);
    }, ms);
  };
}

export async function dev(devOptions: DevOptions, options: GlobalOptions, io: Io): Promise<number> {
  const port = parsePort(devOptions.port);
  const { path: previewConfigPath, redirect } = await previewConfig(options.config);
  const configDir = resolve(previewConfigPath, '..');
  // The config, the site and the port, before the emulator starts; every problem at once.
  const local = await localFindings(existsSync(options.config) ? options.config : previewConfigPath, { site: true, port });
  if (local.problems.length > 0) await rm(configDir, { recursive: true, force: true });
  raiseProblems(local.problems);
  // The preview never touches a real account: emulator credentials and endpoint only.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  let emulator: Emulator | undefined;
  let endpointUrl: string;
  try {
    endpointUrl = options.endpointUrl ?? (emulator = await startEmulator()).endpoint;
  } catch (error) {
    await rm(configDir, { recursive: true, force: true });
    throw error;
  }
  const watchers: FSWatcher[] = [];
  let closeServer: (() => Promise<void>) | undefined;
  const stop = async () => {
    await Promise.all(watchers.map((watcher) => watcher.close()));
    await closeServer?.();
    await emulator?.stop();
    await rm(configDir, { recursive: true, force: true });
    await rm(devBuildDir(), { recursive: true, force: true });
  };
  const unregister = io.onInterrupt?.(stop);
  try {
    const started = performance.now();
    const previewOptions: GlobalOptions = { ...options, config: previewConfigPath, endpointUrl, profile: undefined, yes: true };
    process.env.AWS_ENDPOINT_URL = endpointUrl;
    io.err(`local AWS emulator at ${endpointUrl}\n`);
    // Results of up, deploy-site and deploy-lambda go to stderr: stdout is the preview's.
    const quietIo: Io = { ...io, out: (text) => io.err(text) };
    await up(previewOptions, quietIo);
    const project = await openProject(previewOptions, io);
    process.env.AWS_REGION = project.region;
    let generation = 0;
    let handler = await loadHandler(project, generation);
    const server = await startPreviewServer({
      s3: project.aws.client(S3Client),
      bucket: project.names.siteBucket,
      port,
      handler: () => handler,
      edgeCode: () => previewEdgeCode(project, redirect),
      headers: project.config.headers,
      log: options.verbose ? (line) => io.err(`${line}\n`) : undefined,
    });
    closeServer = () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    const resync = debounced(async () => {
      try {
        await deploySite(previewOptions, quietIo);
      } catch (error) {
        io.err(`site sync failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }, 150);
    const redeploy = debounced(async () => {
      try {
        await deployLambda(previewOptions, quietIo);
        generation += 1;
        handler = await loadHandler(project, generation);
      } catch (error) {
        io.err(`counter redeploy failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }, 150);
    // chokidar, not fs.watch: on Node 20 and 22 a recursive fs.watch stops reporting a file that
    // an editor saved by renaming a new file over it (as `sed -i` and many editors do).
    const watchOptions = { ignoreInitial: true, persistent: true };
    watchers.push(watch(project.config.siteDir, watchOptions).on('all', resync));
    watchers.push(watch(LAMBDA_SOURCE_DIR, { ...watchOptions, ignored: (path: string) => path.includes('.test.') }).on('all', redeploy));
    await Promise.all(watchers.map((watcher) => new Promise<void>((ready) => watcher.once('ready', () => ready()))));
    // The preview's releases live in this emulator: `releases` and `rollback` work on them as on AWS.
    const againstPreview = (...args: string[]): string => `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test ${cliCommand({ config: previewConfigPath, endpointUrl }, ...args)}`;
    io.err(`releases of the preview: ${againstPreview('releases')}\nroll the preview back: ${againstPreview('rollback')}\n`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(`Preview ready at http://localhost:${port} (${seconds}s). Watching ${project.config.siteDir} and the counter's source; Ctrl-C stops everything.\n`);
    await new Promise<void>(() => undefined); // runs until Ctrl-C; the interrupt handler stops and exits
    return EXIT_OK;
  } catch (error) {
    await stop();
    throw error;
  } finally {
    unregister?.();
  }
}
