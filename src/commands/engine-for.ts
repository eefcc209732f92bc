import { Engine } from '../engine/engine.ts';
import { ProgressReporter } from '../engine/progress.ts';
import { stack } from '../resources/index.ts';
import type { RecordedResource } from '../state/document.ts';
import type { GlobalOptions, Io } from './io.ts';
import type { Project } from './project.ts';

export function engineFor(project: Project, recorded: (name: string) => RecordedResource | undefined, reporter?: ProgressReporter): Engine {
  return new Engine({
    resources: stack,
    context: { config: project.config, names: project.names, aws: project.aws, tags: project.tags },
    recorded,
    ...(reporter ? { onProgress: reporter.onProgress } : {}),
  });
}

export function reporterFor(io: Io, _options: GlobalOptions): ProgressReporter {
  return new ProgressReporter({ write: (text) => io.err(text), isTTY: io.errIsTTY });
}
