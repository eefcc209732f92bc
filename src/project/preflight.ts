// Every precondition that can be known before a write, checked before the first one (the state
// bucket included), and every problem found reported together.
import { readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { assertSiteDirectory } from '../site/scan.ts';
import { engineFor } from './engine-for.ts';
import type { GlobalOptions, Io } from '../ui/io.ts';
import { openProject, startEarly, type Project } from './project.ts';

export interface Preconditions {
  /** The site directory exists, is not empty and has index.html (a missing 404.html is a warning). */
  site?: boolean;
  /** The resources' own read-only checks, e.g. that the domain's hosted zone exists. */
  resources?: boolean;
  /** The local port `dev` serves on is free. */
  port?: number;
}

export interface LocalFindings {
  problems: string[];
  warnings: string[];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((found) => found.isFile(), () => false);
}

export async function siteFindings(siteDir: string): Promise<LocalFindings> {
  try {
    await assertSiteDirectory(siteDir);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { problems: [error.message], warnings: [] };
  }
  const entries = await readdir(siteDir);
  if (entries.length === 0) return { problems: [`site directory "${siteDir}" is empty; put your index.html in it`], warnings: [] };
  const [index, notFound] = await Promise.all([isFile(join(siteDir, 'index.html')), isFile(join(siteDir, '404.html'))]);
  return {
    problems: index ? [] : [`site directory "${siteDir}" has no index.html, so the site would answer 404 at /; add index.html`],
    warnings: notFound ? [] : [`site directory "${siteDir}" has no 404.html; a missing page will show CloudFront's bare error`],
  };
}

/** Whether `port` can be listened on, by listening on it for a moment. */
export function portProblem(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? `port ${port} is in use; stop what holds it or pass --port <another>` : `cannot listen on port ${port} (${error.code ?? error.message}); pass --port <another>`);
    });
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** Local checks that need no AWS: the config, the site directory, the port. */
export async function localFindings(configPath: string, wanted: Preconditions): Promise<LocalFindings> {
  const findings: LocalFindings = { problems: [], warnings: [] };
  const [config, port] = await Promise.all([
    loadConfig(configPath).catch((error: unknown) => {
      if (!(error instanceof UserError)) throw error;
      findings.problems.push(error.message);
      return undefined;
    }),
    wanted.port === undefined ? undefined : portProblem(wanted.port),
  ]);
  if (config && wanted.site) {
    const site = await siteFindings(config.siteDir);
    findings.problems.push(...site.problems);
    findings.warnings.push(...site.warnings);
  }
  if (port) findings.problems.push(port);
  return findings;
}

export function raiseProblems(problems: readonly string[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw new UserError(`${problems[0] ?? ''}; nothing was changed`);
  throw new UserError(`${problems.length} problems, nothing was changed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
}

/** The resources' own read-only checks on `project`: the problem they found, if any. */
async function resourceProblem(project: Project): Promise<{ problem?: string; error?: unknown }> {
  try {
    await engineFor(project, () => undefined).check('plan');
    return {};
  } catch (error) {
    return error instanceof UserError ? { problem: error.message } : { error };
  }
}

/**
 * Opens the project after checking everything `wanted` asks for, with the credentials and region
 * (STS) and the config always: returns only when all of it is fine, else throws one UserError
 * listing every problem. Warnings go to stderr.
 */
export async function preflight(options: GlobalOptions, io: Io, wanted: Preconditions): Promise<Project> {
  // The resource checks (e.g. the hosted zone's look-up) start on the first project made, which
  // may carry the cached account while STS answers; they count only if that is the account.
  const checked = wanted.resources ? startEarly(options, resourceProblem) : undefined;
  const [local, opened] = await Promise.all([
    localFindings(options.config, wanted),
    openProject(options, io).then(
      (project) => ({ project, problem: undefined }),
      (error: unknown) => {
        if (!(error instanceof UserError)) throw error;
        return { project: undefined, problem: error.message };
      },
    ),
  ]);
  const problems = [...local.problems];
  // A config problem is already listed; openProject would only repeat it.
  if (opened.problem && !problems.includes(opened.problem)) problems.push(opened.problem);
  const project = opened.project;
  if (project && checked) {
    // The state's read-only first read goes along with the checks instead of after them.
    project.store.prefetch(project.config.project);
    const outcome = await checked(project);
    if (outcome.error !== undefined) throw outcome.error;
    if (outcome.problem) problems.push(outcome.problem);
  }
  raiseProblems(problems);
  for (const warning of local.warnings) io.err(`warning: ${warning}\n`);
  if (!project) throw new Error('preflight found no problem but opened no project');
  return project;
}
