// Everything a command needs about the project: config, region, account, clients, names, state.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Aws } from '../aws/clients.ts';
import { accountCacheKey, cachedAccount, rememberAccount } from '../aws/account-cache.ts';
import { formatCall } from '../aws/call-log.ts';
import { credentialProvider, explainCredentialError } from '../aws/credentials.ts';
import { deriveNames, loadConfig, projectTags, type Config, type Names } from '../config.ts';
import { describeError, errorName, UserError } from '../errors.ts';
import { emptyState } from '../state/document.ts';
import { StateSession } from '../state/session.ts';
import { StateStore } from '../state/store.ts';
import type { ProgressReporter } from '../engine/progress.ts';
import type { GlobalOptions, Io } from '../ui/io.ts';
import { cliCommand, type CommandHint } from '../ui/recovery.ts';

export interface Project {
  config: Config;
  region: string;
  account: string;
  aws: Aws;
  names: Names;
  tags: Record<string, string>;
  store: StateStore;
  /** A command for the user to run next, carrying this run's -c, --region, --profile and --endpoint-url. */
  hint: CommandHint;
}

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** Turns the errors of a machine that cannot reach AWS, or has no credentials, into one-line advice. */
export function explainAwsError(error: unknown, endpoint: string | undefined, profile?: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const causeCode = ((error as { cause?: NodeJS.ErrnoException } | undefined)?.cause)?.code;
  const network = [code, causeCode].find((candidate) => candidate !== undefined && NETWORK_ERROR_CODES.has(candidate));
  if (network) {
    const where = endpoint ? `the endpoint ${endpoint}` : 'AWS';
    return new UserError(`cannot reach ${where} (${network}); check --endpoint-url / AWS_ENDPOINT_URL and your network`, { cause: error });
  }
  const name = errorName(error);
  if (name === 'InvalidClientTokenId' || name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'SignatureDoesNotMatch') {
    return new UserError(`AWS rejected the credentials (${describeError(error)}); refresh them (e.g. \`aws sso login --profile ${profile ?? process.env.AWS_PROFILE ?? 'default'}\`) and try again`, { cause: error });
  }
  return explainCredentialError(error, profile ?? process.env.AWS_PROFILE ?? 'default');
}

async function resolveRegion(flag: string | undefined, config: Config, profile: string | undefined): Promise<string> {
  const explicit = flag ?? config.region;
  if (explicit) return explicit;
  // The SDK's own chain: AWS_REGION, then the profile's region.
  const probe = new STSClient(profile ? { profile } : {});
  try {
    return await probe.config.region();
  } catch {
    throw new UserError('no AWS region set; pass --region, add "region" to resume-infra.json, or export AWS_REGION');
  } finally {
    probe.destroy();
  }
}

const REGION_FLAG = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

interface Started {
  /** The project as a command gets it: made with the account STS answered. */
  opening: Promise<Project>;
  /** The first project made: with the cached account while STS answers, if there is one. */
  first: Promise<Project>;
}

const started = new WeakMap<GlobalOptions, Started>();

/**
 * Opens the project now, while the command's own modules are still loading (cli/main.ts calls
 * this before importing the command): the STS call, and `then` (e.g. the unlocked first read of
 * the state), overlap the loading. The command's openProject with the same options takes it.
 * `then` gets the first project made, which may carry the account cached from an earlier run
 * (account-cache.ts) before STS has confirmed it; it must only read. If STS names another
 * account, `then` is called again with the project that the command gets.
 *
 * Resolves once the STS request (and the reads `then` started by then) has been written to a
 * connected socket, or the opening failed first: evaluating the command's modules holds the
 * event loop, so the caller waits for the requests to be on their way before it starts loading
 * them, and their round trips overlap the load.
 */
export function startOpening(options: GlobalOptions, io: Io, then?: (project: Project) => void): Promise<void> {
  if (started.has(options)) return Promise.resolve();
  const opened: Socket[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket?: Socket };
    if (socket) opened.push(socket);
  };
  subscribe(NEW_SOCKET_CHANNEL, onSocket);
  let sent: () => void = () => undefined;
  const dispatched = new Promise<void>((resolve) => { sent = resolve; });
  let handOut: (project: Project) => void = () => undefined;
  const first = new Promise<Project>((resolve) => { handOut = resolve; });
  const opening = openProjectNow(options, io, undefined, sent, (project) => {
    handOut(project);
    then?.(project);
  });
  opening.catch(() => undefined); // raised by the openProject that takes it
  started.set(options, { opening, first });
  // For an http:// endpoint the SDK's handler first imports node:http (a dynamic import, which
  // would queue behind the command's modules); importing it here too, then letting the handler's
  // continuations run, puts the request on the wire before the caller loads anything.
  // A request is written once its socket connects, which takes turns of the event loop that
  // loading modules would hold: the wait goes on until the sockets opened so far (STS's, and the
  // first reads') have connected, for at most CONNECT_WAIT_MS (a TLS handshake to AWS takes
  // longer, and the loading need not wait for it).
  const written = dispatched.then(async () => {
    await import('node:http');
    await new Promise((resolve) => setImmediate(resolve));
    await connected(opened, CONNECT_WAIT_MS);
  });
  const done = Promise.race([written, opening.then(() => undefined, () => undefined)]);
  return done.finally(() => unsubscribe(NEW_SOCKET_CHANNEL, onSocket));
}

/** Published by node:net for every client socket it makes (Node 15.13+). */
const NEW_SOCKET_CHANNEL = 'net.client.socket';
const CONNECT_WAIT_MS = 15;

/** Resolves once every socket still connecting has connected, failed or closed, or after `limitMs`. */
function connected(sockets: readonly Socket[], limitMs: number): Promise<void> {
  const connecting = sockets.filter((socket) => socket.connecting);
  if (connecting.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    timer.unref();
    void Promise.all(connecting.map((socket) => new Promise((settled) => {
      for (const event of ['connect', 'error', 'close']) socket.once(event, settled);
    }))).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts `work` on the first project startOpening made, as soon as it exists: with the account
 * cached from an earlier run while STS answers, if there is one. `work` must only read. Returns
 * how to get its result for the project the command got: that early result when it is the same
 * project (STS named the cached account), else `work` run again on it.
 */
export function startEarly<T>(options: GlobalOptions, work: (project: Project) => T): (project: Project) => Promise<T> {
  const entry = started.get(options);
  // Undefined when nothing was started, or the opening failed before it made a project.
  const first = entry ? Promise.race([entry.first, entry.opening.then((project) => project, () => undefined)]) : Promise.resolve(undefined);
  const early = first.then((made) => made && { made, result: work(made) });
  return async (project) => {
    const started = await early;
    return started?.made === project ? started.result : work(project);
  };
}

/**
 * Loads the config, resolves the region and asks STS for the account. `withConfig` runs as soon
 * as the config is loaded, for local work that can overlap the first AWS round trips.
 */
export function openProject(options: GlobalOptions, io: Io, withConfig?: (config: Config) => void): Promise<Project> {
  const entry = started.get(options);
  if (entry && !withConfig) {
    started.delete(options);
    return entry.opening;
  }
  return openProjectNow(options, io, withConfig);
}

async function openProjectNow(options: GlobalOptions, io: Io, withConfig?: (config: Config) => void, stsSent?: () => void, early?: (project: Project) => void): Promise<Project> {
  if (options.region !== undefined && !REGION_FLAG.test(options.region)) {
    throw new UserError(`--region "${options.region}" is not an AWS region name; use one like eu-west-1`);
  }
  if (options.endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpointUrl)) {
    throw new UserError(`--endpoint-url "${options.endpointUrl}" is not a URL; use one like http://127.0.0.1:5000`);
  }
  const config = await loadConfig(options.config);
  withConfig?.(config);
  const region = await resolveRegion(options.region, config, options.profile);
  const credentials = credentialProvider({ profile: options.profile });
  const aws = new Aws({
    region,
    profile: options.profile,
    credentials,
    endpointUrl: options.endpointUrl,
    onNotYet: (_name, waitingFor) => io.err(`waiting for ${waitingFor}…\n`),
    onCall: (entry) => {
      if (options.verbose) io.err(`${formatCall(entry)}\n`);
      io.onCall?.(entry);
    },
  });
  const identity = (async () => {
    try {
      // Few attempts: this first call is where a wrong endpoint or missing credentials show up.
      const command = new GetCallerIdentityCommand({});
      // Innermost middleware: runs as the signed request goes to the HTTP handler.
      if (stsSent) command.middlewareStack.add((next) => (args) => { stsSent(); return next(args); }, { step: 'deserialize', priority: 'low', name: 'resumeInfraStsSent' });
      const answer = await aws.clientIn(STSClient, region, { maxAttempts: 2 }).send(command);
      if (!answer.Account) throw new Error('STS GetCallerIdentity returned no account');
      return answer.Account;
    } catch (error) {
      throw explainAwsError(error, aws.endpointUrl, options.profile);
    }
  })();
  identity.catch(() => undefined); // awaited below, after the guess (if any) is handed out
  const tags = projectTags(config);
  const hint: CommandHint = (...args) => cliCommand(options, ...args);
  const build = (account: string): Project => {
    const names = deriveNames(config, account, region);
    return { config, region, account, aws, names, tags, store: new StateStore(aws, names, tags, hint), hint };
  };
  // The credentials the STS call resolves anyway (one shared, memoized chain) key the cache.
  const key = early ? await credentials().then((resolved) => accountCacheKey(aws.endpointUrl, resolved.accessKeyId), () => undefined) : undefined;
  const guess = key === undefined ? undefined : cachedAccount(key);
  // The account as last seen: `early` starts its reads with it while STS answers. Nothing made
  // with the guess reaches the command unless STS names the same account.
  const guessed = guess === undefined ? undefined : build(guess);
  if (guessed) early?.(guessed);
  const account = await identity;
  if (key !== undefined) rememberAccount(key, account);
  if (guessed?.account === account) return guessed;
  const project = build(account);
  early?.(project);
  return project;
}

/** Creates the state bucket, or finishes a setup a killed run left half done, and says which. */
export async function ensureStateBucket(project: Project, reporter: ProgressReporter, known?: Parameters<StateStore['ensureBucket']>[1]): Promise<void> {
  const setup = await project.store.ensureBucket(project.region, known);
  if (setup === 'created') reporter.info(`created state bucket ${project.store.bucket}`);
  if (setup === 'completed') reporter.info(`finished setting up state bucket ${project.store.bucket} (versioning, encryption, private access)`);
}

/**
 * Runs `work` holding the state lock, and releases it on success, on error and on Ctrl-C.
 * The state is read after the lock is taken, so no other run can change it underneath.
 */
export async function withLockedState<T>(project: Project, command: string, io: Io, work: (state: StateSession) => Promise<T>): Promise<T> {
  const lock = await project.store.acquireLock(command);
  const release = async () => {
    try {
      await project.store.releaseLock(lock);
    } catch (error) {
      io.err(`warning: could not release the state lock ${lock.id} (${describeError(error)}); run \`${project.hint('unlock', lock.id)}\`\n`);
    }
  };
  const unregister = io.onInterrupt?.(release);
  try {
    const loaded = await project.store.read(project.config.project);
    const document = loaded?.document ?? emptyState(project.config.project, project.account, project.region);
    const session = new StateSession(project.store, document, loaded?.etag);
    try {
      return await work(session);
    } finally {
      await session.flush().catch(() => undefined);
    }
  } finally {
    unregister?.();
    await release();
  }
}
