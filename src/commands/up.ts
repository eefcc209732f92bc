// `up`: reconcile every resource, then print the outputs.
import { stack } from '../resources/index.ts';
import { engineFor, reporterFor } from './engine-for.ts';
import { EXIT_OK, type GlobalOptions, type Io } from './io.ts';
import { stackOutputs } from './outputs.ts';
import { ensureStateBucket, openProject, withLockedState } from './project.ts';
import { jsonDocument, countActions, renderOutputs, renderSummary } from './render.ts';
import { assertSiteDir, publishSite, renderSitePublish, siteTarget, type SitePublishResult } from './site-publish.ts';

export async function up(options: GlobalOptions, io: Io): Promise<number> {
  const started = performance.now();
  const project = await openProject(options, io);
  await assertSiteDir(project);
  const reporter = reporterFor(io);
  await ensureStateBucket(project, reporter);
  const result = await withLockedState(project, 'up', io, async (state) => {
    const engine = engineFor(project, (name) => state.recorded(name), reporter, stack, { allowDataLoss: options.allowDataLoss === true });
    try {
      const changes = await engine.apply(state);
      const outputs = stackOutputs(project, (name) => engine.outputsOf(name));
      await state.setOutputs(outputs);
      reporter.stop();
      const target = siteTarget((name) => engine.outputsOf(name));
      const site: SitePublishResult | undefined = target ? await publishSite(project, target) : undefined;
      return { changes, outputs, site };
    } finally {
      reporter.stop();
    }
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const changed = result.changes.filter((change) => change.action !== 'noop');
  if (options.json) {
    io.out(jsonDocument({ command: 'up', ok: true, summary: countActions(result.changes), changes: changed, site: result.site, outputs: result.outputs, seconds: Number(seconds) }));
  } else {
    const summary = changed.length === 0 ? `No changes: ${result.changes.length} resources up to date.` : renderSummary(result.changes, false);
    const site = result.site ? `${renderSitePublish(result.site)}\n` : '';
    io.out(`${summary} (${seconds}s)\n${site}${renderOutputs(result.outputs)}\n`);
  }
  return EXIT_OK;
}
