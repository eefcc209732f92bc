// `rollback [id]`: switch the site to the release made before the live one, or to the named one
// (a unique id prefix). One function update, no upload; recorded in the state.
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject, withLockedState } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';
import { rollbackSite } from '../site/rollback.ts';

export async function rollback(id: string | undefined, options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const result = await withLockedState(project, 'rollback', io, (state) => rollbackSite(project, state, id));
  if (options.json) {
    io.out(jsonDocument({ command: 'rollback', ok: true, ...result }));
    return EXIT_OK;
  }
  const what = result.switched ? `Rolled back: release ${result.to} is live (was ${result.from}).` : `Release ${result.to} is live already.`;
  const back = result.rolledBackFrom ? ` \`up\` leaves this until your files change; to return to ${result.rolledBackFrom}: \`${project.hint('rollback', result.rolledBackFrom)}\`.` : '';
  io.out(`${what}${back}\n`);
  return EXIT_OK;
}
