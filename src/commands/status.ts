// `status`: the recorded ids and outputs.
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject } from '../project/project.ts';
import { jsonDocument, renderOutputs } from '../ui/render.ts';

export async function status(options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const [loaded, held] = await Promise.all([project.store.read(project.config.project), project.store.readLock()]);
  const lock = loaded ? held : undefined;
  if (options.json) {
    io.out(jsonDocument({
      command: 'status',
      project: project.config.project,
      account: project.account,
      region: project.region,
      state: project.store.location,
      deployed: loaded !== undefined,
      ...(loaded ? { serial: loaded.document.serial, updatedAt: loaded.document.updatedAt, resources: loaded.document.resources, outputs: loaded.document.outputs, ...(loaded.document.site ? { site: loaded.document.site } : {}) } : {}),
      ...(lock ? { lockedBy: lock } : {}),
    }));
    return EXIT_OK;
  }
  if (!loaded) {
    io.out(`${project.config.project} is not deployed: no state at ${project.store.location}. Run \`${project.hint('up')}\` to create it.\n`);
    return EXIT_OK;
  }
  const doc = loaded.document;
  const lines = [`${doc.project} (account ${doc.account}, ${doc.region}), state serial ${doc.serial}, updated ${doc.updatedAt}`];
  if (lock) lines.push(`locked by ${lock.who} running \`${lock.command}\` since ${lock.createdAt} (lock id ${lock.id})`);
  lines.push('Resources:');
  const width = Math.max(0, ...Object.keys(doc.resources).map((name) => name.length));
  for (const [name, recorded] of Object.entries(doc.resources)) lines.push(`  ${name.padEnd(width)}  ${recorded.arn ?? recorded.id}`);
  if (doc.site) lines.push(`Site release: ${doc.site.live}${doc.site.rolledBackFrom ? ` (rolled back from ${doc.site.rolledBackFrom}; \`${project.hint('releases')}\` lists them)` : ''}`);
  const outputs = renderOutputs(doc.outputs);
  if (outputs) lines.push(outputs);
  io.out(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
