// `deploy-site`: upload changed files, delete removed ones, invalidate the changed paths.
import { UserError } from '../errors.ts';
import { EXIT_OK, type GlobalOptions, type Io } from './io.ts';
import { openProject, withLockedState } from './project.ts';
import { jsonDocument } from './render.ts';
import { assertSiteDir, publishSite, renderSitePublish, siteTarget } from './site-publish.ts';

export async function deploySite(options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  await assertSiteDir(project);
  if (!(await project.store.bucketExists())) throw new UserError(`${project.config.project} is not deployed (no state bucket ${project.store.bucket}); run \`npx resume-infra up\` first`);
  const result = await withLockedState(project, 'deploy-site', io, async (state) => {
    const target = siteTarget(project, (name) => state.recorded(name)?.outputs);
    if (!target) throw new UserError(`the state has no site bucket and distribution for ${project.config.project}; run \`npx resume-infra up\` first`);
    return publishSite(project, target);
  });
  if (options.json) io.out(jsonDocument({ command: 'deploy-site', ok: true, ...result }));
  else io.out(`${renderSitePublish(result)}\n`);
  return EXIT_OK;
}
