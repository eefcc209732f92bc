// `deploy-site`: publish the site directory as a new release and switch to it (no invalidation).
import { UserError } from '../errors.ts';
import { scanSite, type LocalFile } from '../site/scan.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject, withLockedState } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';
import { assertSiteDir, publishSite, renderSitePublish, siteTarget } from '../site/publish.ts';

export async function deploySite(options: GlobalOptions, io: Io): Promise<number> {
  // Hashing every site file needs no AWS: it runs while STS answers and the lock is taken. Its
  // failure (say, a missing directory) is reported below, after assertSiteDir's clearer check.
  let scanned: Promise<LocalFile[]> | undefined;
  const project = await openProject(options, io, (config) => {
    scanned = scanSite(config.siteDir);
    scanned.catch(() => undefined);
  });
  await assertSiteDir(project);
  const result = await withLockedState(project, 'deploy-site', io, async (state) => {
    const target = siteTarget((name) => state.recorded(name)?.outputs);
    if (!target) throw new UserError(`the state has no site bucket and distribution for ${project.config.project}; run \`${project.hint('up')}\` first`);
    return publishSite(project, target, state, scanned);
  });
  if (options.json) io.out(jsonDocument({ command: 'deploy-site', ok: true, ...result }));
  else io.out(`${renderSitePublish(result, project.hint)}\n`);
  return EXIT_OK;
}
