// `destroy`: delete everything this project made, dependents first, then the state object.
import { NotDeployedError, UserError } from '../errors.ts';
import { ciStack, splitKept } from '../resources/ci/index.ts';
import { emptyState } from '../state/document.ts';
import { StateSession } from '../state/session.ts';
import { engineFor, reporterFor } from '../project/engine-for.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject, withLockedState, type Project } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';
import type { Engine } from '../engine/engine.ts';
import { keepReads, releaseReads } from '../project/kept-reads.ts';

async function confirmDestroy(options: GlobalOptions, io: Io, project: Project, labels: string[]): Promise<void> {
  if (options.yes) return;
  if (!io.confirm) throw new UserError('destroy needs a confirmation and there is no terminal to ask on; run it again with --yes');
  const question = `Delete these ${labels.length} resources of ${project.config.project} in ${project.account}? Type "yes" to confirm:`;
  if (!(await io.confirm(question))) throw new UserError('destroy cancelled: nothing was deleted');
}

export async function destroy(options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const reporter = reporterFor(io);
  const run = async (state: StateSession, deleteState: boolean) => {
    const engine: Engine = engineFor(project, (name) => state.recorded(name), reporter);
    // ci-setup's resources are deleted after the main stack (a CI run may be using the role), and
    // looked for at the same time; a shared OIDC provider stays.
    const ciEngine = engineFor(project, (name) => state.recorded(name), reporter, ciStack());
    // Looking for what to delete only reads (the zone is listed once); every delete reads afresh.
    keepReads(project.aws);
    const [found, ciFound] = await Promise.all([engine.discover((name) => state.recorded(name), (name) => state.retired(name)), ciEngine.discover((name) => state.recorded(name))])
      .finally(() => releaseReads(project.aws));
    const ci = splitKept(ciFound);
    const labels = [...found, ...ci.remove].map((entry) => `${entry.resource.title} ${entry.label}${'reason' in entry && entry.reason ? ` (${entry.reason})` : ''}`);
    const kept = ci.keep.map((entry) => `${entry.resource.title} ${entry.label}: ${entry.reason}`);
    if (kept.length > 0 && !options.json) io.err(`Will keep:\n${kept.map((label) => `  - ${label}`).join('\n')}\n`);
    if (labels.length > 0) {
      if (!options.json) io.err(`Will delete:\n${labels.map((label) => `  - ${label}`).join('\n')}\n`);
      await confirmDestroy(options, io, project, labels);
      try {
        await engine.deleteAll(found, state);
        await ciEngine.deleteAll(ci.remove, state);
      } finally {
        reporter.stop();
      }
    }
    await state.flush();
    if (deleteState) await project.store.delete();
    return { deleted: labels, kept };
  };
  let result: { deleted: string[]; kept: string[] };
  try {
    // The lock's PutObject is also the check that the state bucket exists.
    result = await withLockedState(project, 'destroy', io, (state) => run(state, true));
  } catch (error) {
    if (!(error instanceof NotDeployedError)) throw error;
    // No state bucket: nothing recorded, but resources may still exist by name. Nothing to lock either.
    const document = emptyState(project.config.project, project.account, project.region);
    result = await run(new StateSession(undefined, document, undefined), false);
  }
  const { deleted, kept } = result;
  if (options.json) io.out(jsonDocument({ command: 'destroy', ok: true, deleted, kept }));
  else io.out(deleted.length === 0 ? `Nothing to destroy for ${project.config.project}.\n` : `Destroyed ${deleted.length} resources of ${project.config.project}. The state bucket ${project.store.bucket} is kept.\n`);
  return EXIT_OK;
}
