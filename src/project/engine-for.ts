import { Engine } from '../engine/engine.ts';
import { ProgressReporter } from '../engine/progress.ts';
import { stack } from '../resources/index.ts';
import type { Resource } from '../engine/types.ts';
import type { RecordedResource, RetiredResource } from '../state/document.ts';
import type { Io } from '../ui/io.ts';
import type { Project } from './project.ts';

/** An engine over the main stack, or over `resources` (e.g. the CI stack of ci-setup). */
export function engineFor(
  project: Project,
  recorded: (name: string) => RecordedResource | undefined,
  reporter?: ProgressReporter,
  resources: readonly Resource[] = stack,
  extra: { retired?: (name: string) => RetiredResource[]; allowDataLoss?: boolean } = {},
): Engine {
  // "waiting for …" lines go above the live progress lines, not through them.
  if (reporter) project.aws.notYetListener = (_name, waitingFor) => reporter.info(`waiting for ${waitingFor}…`);
  return new Engine({
    resources,
    context: { config: project.config, names: project.names, aws: project.aws, tags: project.tags },
    recorded,
    ...extra,
    ...(reporter ? { onProgress: reporter.onProgress } : {}),
  });
}

export function reporterFor(io: Io): ProgressReporter {
  return new ProgressReporter({ write: (text) => io.err(text), isTTY: io.errIsTTY });
}
