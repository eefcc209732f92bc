// `unlock <lock-id>`: remove a stale state lock, like `terraform force-unlock`.
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';

export async function unlock(lockId: string, options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const removed = await project.store.forceUnlock(lockId);
  if (options.json) io.out(jsonDocument({ command: 'unlock', ok: true, removed }));
  else io.out(`Removed the lock ${removed.id} held by ${removed.who} (\`${removed.command}\` since ${removed.createdAt}).\n`);
  return EXIT_OK;
}
