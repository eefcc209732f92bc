// The reads `up` and `plan` start on the first project made, while STS answers and the command's
// modules load (cli/main.ts): the state's read-only first read, and the hosted zone's look-up,
// which the certificate's and the records' reads (and up's checks) wait on. Both are kept for the
// command: the state by the store, the zone by findHostedZone for the same config.
import { findHostedZone } from '../resources/hosted-zone.ts';
import type { Project } from './project.ts';

export function startFirstReads(project: Project): void {
  project.store.prefetch(project.config.project);
  findHostedZone(project).catch(() => undefined); // raised by the reads that wait on it
}
