// Human-readable lines for plans, results and outputs.
import type { PlannedChange, StateUpdate } from '../engine/engine.ts';

const SYMBOL = { create: '+', update: '~', replace: '-/+', delete: '-', noop: ' ' } as const;

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
}

export function countActions(changes: readonly PlannedChange[]): { create: number; update: number; replace: number; delete: number } {
  return {
    create: changes.filter((change) => change.action === 'create').length,
    update: changes.filter((change) => change.action === 'update').length,
    replace: changes.filter((change) => change.action === 'replace').length,
    delete: changes.filter((change) => change.action === 'delete').length,
  };
}

/** Resources that exist in AWS as the config wants them but are not in the state (a lost state, a crash before the state write): `up` records them. */
export function countAdopted(changes: readonly PlannedChange[]): number {
  return changes.filter((change) => change.action === 'noop' && change.adopted).length;
}

/** What a plan or a run lists: every change to AWS, and every resource recorded in the state as found. */
export function listedChanges(changes: readonly PlannedChange[]): PlannedChange[] {
  return changes.filter((change) => change.action !== 'noop' || change.adopted);
}

/** The state's part of a summary: resources to record as found, and other entries to update. */
function stateClauses(adopted: number, updates: number, future: boolean): string {
  const clauses: string[] = [];
  if (adopted > 0) {
    const resources = `${adopted} existing resource${adopted === 1 ? '' : 's'}`;
    clauses.push(future ? `${resources} to record in the state` : `recorded ${resources} in the state`);
  }
  if (updates > 0) {
    const entries = `${updates} state entr${updates === 1 ? 'y' : 'ies'}`;
    clauses.push(future ? `${entries} to update` : `updated ${entries}`);
  }
  return clauses.map((clause) => `; ${clause}`).join('');
}

/**
 * The last line of a plan. Anything `up` would do counts, as Terraform counts an import: AWS
 * changes, site files, resources to record in the state and other state entries to update.
 */
export function renderPlanSummary(changes: readonly PlannedChange[], siteChanges: boolean, stateUpdates = 0): string {
  if (listedChanges(changes).length > 0 || stateUpdates > 0) return renderSummary(changes, true, stateUpdates);
  return siteChanges ? 'Plan: only site files change.' : 'No changes. The stack matches the config.';
}

/** The plan's lines for what `up` writes to the state although AWS stays as it is. */
export function renderStateUpdates(updates: readonly StateUpdate[]): string[] {
  return updates.map((update) => `  = state: ${update.description}`);
}

export function renderPlan(changes: readonly PlannedChange[]): string {
  const lines: string[] = [];
  for (const change of changes) {
    if (change.action === 'noop') {
      if (change.adopted) lines.push(`  = ${change.title} ${change.label} (exists; will be recorded in the state)`);
      continue;
    }
    if (change.action === 'replace') {
      const forced = change.changes.filter((field) => field.replace).map((field) => `${field.field}: ${show(field.from)} -> ${show(field.to)}`).join(', ');
      lines.push(`  -/+ replace ${change.title} ${change.label} (${forced})`);
      if (change.needsAllowDataLoss) lines.push(`      it holds data that a replacement deletes: up refuses unless run with --allow-data-loss`);
      for (const field of change.changes.filter((candidate) => !candidate.replace)) lines.push(`      ${field.field}: ${show(field.from)} -> ${show(field.to)}`);
      continue;
    }
    const reason = change.reason && change.reason !== 'removed from config' ? ` (${change.reason})` : '';
    lines.push(`  ${SYMBOL[change.action]} ${change.action}${reason} ${change.title} ${change.label}`);
    if (change.needsAllowDataLoss) lines.push(`      it holds data: up deletes it only when run with --allow-data-loss`);
    for (const field of change.changes) lines.push(`      ${field.field}: ${show(field.from)} -> ${show(field.to)}`);
  }
  return lines.join('\n');
}

/**
 * `Plan: …` (future) or `Done: …`, with the resources recorded in the state as found and the other
 * state entries updated (`stateUpdates`), if any.
 */
export function renderSummary(changes: readonly PlannedChange[], future: boolean, stateUpdates = 0): string {
  const counts = countActions(changes);
  const adopted = countAdopted(changes);
  const recorded = stateClauses(adopted, stateUpdates, future);
  if (counts.create + counts.update + counts.replace + counts.delete === 0) {
    if (recorded === '') return 'No changes.';
    return future ? `Plan: nothing in AWS changes${recorded}.` : `Done: nothing in AWS changed${recorded}.`;
  }
  const replaced = counts.replace > 0 ? (future ? `, ${counts.replace} to replace` : `, ${counts.replace} replaced`) : '';
  return future
    ? `Plan: ${counts.create} to create, ${counts.update} to update${replaced}, ${counts.delete} to delete${recorded}.`
    : `Done: ${counts.create} created, ${counts.update} updated${replaced}, ${counts.delete} deleted${recorded}.`;
}

export function renderOutputs(outputs: Record<string, string>): string {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return '';
  const width = Math.max(...entries.map(([key]) => key.length));
  return ['Outputs:', ...entries.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`)].join('\n');
}

export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
