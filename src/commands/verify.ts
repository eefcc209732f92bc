// `verify [--url U]`: checks a deployed site (by default the project's own, from the state) or the
// `dev` preview end to end, one line per check. Read-only: GET requests only, so no visit is counted.
import { loadConfig } from '../config.ts';
import { KNOWN_AFTER_APPLY, type ResourceContext } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { COUNT_PATH } from '../lambda/handler.ts';
import { openProject, type Project } from '../project/project.ts';
import { redirectNames } from '../resources/redirect-names.ts';
import { previewRedirect } from '../dev/preview-redirect.ts';
import { EXIT_ERROR, EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { jsonDocument } from '../ui/render.ts';
import { isLocalPreview, renderChecks, runChecks, type Target } from '../verify/checks.ts';

export interface VerifyOptions {
  url?: string;
}

/** The names that must answer 301 to the domain, as `up` resolves them (the default www. needs the hosted zone). */
async function deployedRedirectNames(project: Project): Promise<string[]> {
  const ctx: ResourceContext = {
    config: project.config, names: project.names, aws: project.aws, tags: project.tags, mode: 'plan',
    output: () => KNOWN_AFTER_APPLY,
    note: () => undefined,
  };
  return redirectNames(ctx);
}

function siteUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`--url "${url}" is not a URL; use one like https://resume.example.com or http://localhost:8080`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UserError(`--url "${url}" is not an http(s) URL; use one like https://resume.example.com`);
  return parsed.origin;
}

/** What the site should be: the preview answers /count itself; a deployed site is described by its state. */
async function targetFor(verifyOptions: VerifyOptions, options: GlobalOptions, io: Io): Promise<Target> {
  const url = verifyOptions.url === undefined ? undefined : siteUrlOf(verifyOptions.url);
  if (url !== undefined && isLocalPreview(url)) {
    const config = await loadConfig(options.config);
    // The preview's own reading of redirectFrom and its default (it has no hosted zone to look at).
    const redirect = previewRedirect({ ...config });
    return { siteUrl: url, apiUrl: `${url}${COUNT_PATH}`, domain: redirect.domain ?? undefined, redirectFrom: redirect.redirectFrom, headers: config.headers };
  }
  const project = await openProject(options, io);
  const loaded = await project.store.read(project.config.project);
  const outputs = loaded?.document.outputs ?? {};
  const siteUrl = url ?? outputs.siteUrl;
  if (!siteUrl || !outputs.apiUrl) {
    throw new UserError(`${project.config.project} is not deployed (no ${siteUrl ? 'apiUrl' : 'siteUrl'} in the state at ${project.store.location}); run \`${project.hint('up')}\` first, or pass --url http://localhost:8080 to check the dev preview`);
  }
  return { siteUrl, apiUrl: outputs.apiUrl, domain: project.config.domain, redirectFrom: await deployedRedirectNames(project), headers: project.config.headers };
}

export async function verify(verifyOptions: VerifyOptions, options: GlobalOptions, io: Io): Promise<number> {
  const target = await targetFor(verifyOptions, options, io);
  const started = performance.now();
  const checks = await runChecks(target);
  const ok = checks.every((entry) => entry.status !== 'failed');
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (options.json) {
    io.out(jsonDocument({ command: 'verify', url: target.siteUrl, apiUrl: target.apiUrl, ok, seconds: Number(seconds), checks }));
  } else {
    const failed = checks.filter((entry) => entry.status === 'failed').length;
    const skipped = checks.filter((entry) => entry.status === 'skipped').length;
    io.out(`${renderChecks(checks)}\n${ok ? 'verified' : 'verify failed'}: ${target.siteUrl} — ${checks.length - failed - skipped} ok, ${failed} failed, ${skipped} skipped in ${seconds}s\n`);
  }
  return ok ? EXIT_OK : EXIT_ERROR;
}
