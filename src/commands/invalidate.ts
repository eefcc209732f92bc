// `invalidate [paths...]`: a CloudFront invalidation, `/*` by default; `--wait` waits for it.
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { UserError } from '../errors.ts';
import { createInvalidation, waitForInvalidation } from '../site/invalidation.ts';
import { validateInvalidationPaths } from '../site/invalidation-paths.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';

export interface InvalidateOptions {
  wait?: boolean;
}

export async function invalidate(paths: string[], commandOptions: InvalidateOptions, options: GlobalOptions, io: Io): Promise<number> {
  const wanted = paths.length > 0 ? paths : ['/*'];
  validateInvalidationPaths(wanted);
  const project = await openProject(options, io);
  const loaded = await project.store.read(project.config.project);
  const distributionId = loaded?.document.resources.distribution?.outputs.distributionId;
  if (!distributionId) throw new UserError(`no CloudFront distribution is recorded for ${project.config.project}; run \`${project.hint('up')}\` first`);
  const cloudfront = project.aws.globalClient(CloudFrontClient);
  const id = await createInvalidation(cloudfront, distributionId, wanted);
  if (!options.json) io.err(`created invalidation ${id} of ${distributionId} for ${wanted.join(' ')}\n`);
  if (commandOptions.wait) {
    if (!options.json) io.err('waiting for the invalidation to complete…\n');
    await waitForInvalidation(cloudfront, distributionId, id);
  }
  if (options.json) io.out(jsonDocument({ command: 'invalidate', ok: true, distributionId, invalidationId: id, paths: wanted, completed: commandOptions.wait === true }));
  else io.out(commandOptions.wait ? `Invalidation ${id} completed.\n` : `Invalidation ${id} created; it completes in CloudFront within minutes (use --wait to wait).\n`);
  return EXIT_OK;
}
