// `plan`: read everything and show what `up` would change. Read-only: no lock, no writes.
import { engineFor } from './engine-for.ts';
import { EXIT_OK, EXIT_PLAN_CHANGES, type GlobalOptions, type Io } from './io.ts';
import { openProject } from './project.ts';
import { countActions, jsonDocument, renderPlan, renderSummary } from './render.ts';

export async function plan(options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const bucketExists = await project.store.bucketExists();
  const loaded = bucketExists ? await project.store.read(project.config.project) : undefined;
  const lock = bucketExists ? await project.store.readLock() : undefined;
  const engine = engineFor(project, (name) => loaded?.document.resources[name]);
  const changes = await engine.plan();
  const counts = countActions(changes);
  const hasChanges = counts.create + counts.update + counts.delete > 0;
  if (options.json) {
    io.out(jsonDocument({
      command: 'plan',
      changes: changes.filter((change) => change.action !== 'noop' || change.adopted),
      summary: counts,
      stateBucketExists: bucketExists,
      ...(lock ? { lockedBy: lock } : {}),
    }));
  } else {
    const lines = [`Plan for ${project.config.project} (account ${project.account}, ${project.region}):`];
    if (!bucketExists) lines.push(`  state bucket ${project.store.bucket} does not exist yet; up will create it`);
    if (lock) lines.push(`  note: the state is locked by ${lock.who} running \`${lock.command}\` since ${lock.createdAt} (lock id ${lock.id})`);
    const body = renderPlan(changes);
    if (body) lines.push(body);
    lines.push(hasChanges ? renderSummary(changes, true) : 'No changes. The stack matches the config.');
    io.out(`${lines.join('\n')}\n`);
  }
  return hasChanges ? EXIT_PLAN_CHANGES : EXIT_OK;
}
