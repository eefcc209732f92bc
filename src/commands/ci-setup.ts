// `ci-setup --repo <owner/name> [--branch main]`: GitHub's OIDC provider and a deploy role that only
// that repository's pushes to that branch may assume, so CI deploys without long-lived AWS keys.
import { UserError } from '../errors.ts';
import { ciStack, type GitHubTarget } from '../resources/ci/index.ts';
import { githubSubject } from '../resources/ci/deploy-role.ts';
import { withConsent } from '../project/consent.ts';
import { reporterFor } from '../project/engine-for.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { preflight } from '../project/preflight.ts';
import { countActions, jsonDocument, renderSummary } from '../ui/render.ts';

/** The command .github/workflows/deploy.yml runs, and the docs show. */
export const DEPLOY_COMMAND = 'npx resume-infra up --yes --verify --json';
/** The repository variable deploy.yml reads the role ARN from. */
export const ROLE_ARN_VARIABLE = 'AWS_DEPLOY_ROLE_ARN';
/** The repository variable deploy.yml reads the region from (else resume-infra.json's region). */
export const REGION_VARIABLE = 'AWS_REGION';

export interface CiSetupFlags {
  repo: string;
  branch: string;
}

const OWNER = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;

function repoProblem(value: string): string | undefined {
  const parts = value.split('/');
  if (parts.length !== 2) return 'expected exactly one "/" between owner and name';
  const [owner = '', name = ''] = parts;
  if (owner.length === 0 || owner.length > 39 || !OWNER.test(owner)) return `the owner "${owner}" must be 1-39 letters, digits or single hyphens, not starting or ending with a hyphen`;
  if (!REPOSITORY.test(name) || name === '.' || name === '..') return `the name "${name}" must be 1-100 letters, digits, ".", "-" or "_"`;
  return undefined;
}

// The rules of `git check-ref-format --branch`, which GitHub applies to branch names.
function branchProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > 255) return 'it must be 1-255 characters';
  if (value.startsWith('refs/')) return 'give the branch name without "refs/heads/"';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(value)) return 'it must not contain spaces, control characters or any of ~^:?*[\\';
  if (value.includes('..') || value.includes('@{') || value.includes('//')) return 'it must not contain "..", "@{" or "//"';
  if (value === '@' || value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.endsWith('.')) {
    return 'it must not be "@", start with "-" or "/", or end with "/" or "."';
  }
  if (value.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return 'no part may start with "." or end with ".lock"';
  return undefined;
}

/** Validates the flags before any AWS call; bad input is a one-line UserError naming the value and the fix. */
export function parseGitHubTarget(flags: CiSetupFlags): GitHubTarget {
  const repoIssue = repoProblem(flags.repo);
  if (repoIssue) throw new UserError(`--repo ${JSON.stringify(flags.repo)} is not a GitHub repository (${repoIssue}); use owner/name, like "jane/resume"`);
  const branchIssue = branchProblem(flags.branch);
  if (branchIssue) throw new UserError(`--branch ${JSON.stringify(flags.branch)} is not a valid branch name (${branchIssue}); use a name like "main"`);
  return { repo: flags.repo, branch: flags.branch };
}

export function ghVariableCommand(name: string, value: string, repo: string): string {
  return `gh variable set ${name} --body ${value} --repo ${repo}`;
}

export async function ciSetup(flags: CiSetupFlags, options: GlobalOptions, io: Io): Promise<number> {
  const target = parseGitHubTarget(flags);
  const started = performance.now();
  const project = await preflight(options, io, {});
  const reporter = reporterFor(io);
  const run = { command: 'ci-setup', args: ['--repo', target.repo, '--branch', target.branch], options, io, reporter, resources: ciStack(target) };
  const result = await withConsent(project, run, async (engine, state) => {
    try {
      const changes = await engine.apply(state);
      return { changes, role: engine.outputsOf('deployRole'), provider: engine.outputsOf('githubOidcProvider') };
    } finally {
      reporter.stop();
    }
  });
  const roleArn = result.role?.roleArn;
  const providerArn = result.provider?.providerArn;
  if (!roleArn || !providerArn) throw new Error('ci-setup applied the CI stack but has no role or provider ARN');
  const roleCommand = ghVariableCommand(ROLE_ARN_VARIABLE, roleArn, target.repo);
  // deploy.yml falls back to the config's region; without one, the variable must say it.
  const regionCommand = project.config.region ? undefined : ghVariableCommand(REGION_VARIABLE, project.region, target.repo);
  const sharedProvider = result.provider?.owner !== project.config.project;
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const changed = result.changes.filter((change) => change.action !== 'noop');
  if (options.json) {
    io.out(jsonDocument({
      command: 'ci-setup',
      ok: true,
      repo: target.repo,
      branch: target.branch,
      subject: githubSubject(target),
      roleArn,
      providerArn,
      providerShared: sharedProvider,
      ghVariableCommand: roleCommand,
      ...(regionCommand ? { ghRegionCommand: regionCommand } : {}),
      summary: countActions(result.changes),
      changes: changed,
      seconds,
    }));
    return EXIT_OK;
  }
  const summary = changed.length === 0 ? 'No changes: the OIDC provider and the deploy role are up to date.' : renderSummary(result.changes, false);
  const lines = [
    `${summary} (${seconds}s)`,
    `Deploy role:   ${roleArn}`,
    `  assumable only by GitHub Actions runs of ${target.repo} on branch ${target.branch} (sub = ${githubSubject(target)})`,
    `OIDC provider: ${providerArn}${sharedProvider ? ' (existed already; destroy keeps it)' : ''}`,
    '',
    `Store the role ARN in the repository, so .github/workflows/deploy.yml can assume it:`,
    `  ${roleCommand}`,
    ...(regionCommand ? [`and the region (resume-infra.json has none):`, `  ${regionCommand}`] : []),
  ];
  io.out(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
