// Human-readable lines for plans, results and outputs.
import type { PlannedChange } from '../engine/engine.ts';

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

export function existingResources(count: number): string {
  return `${count} existing resource${count === 1 ? '' : 's'}`;
}

/**
 * The last line of a plan. Anything `up` would do counts, as Terraform counts an import: AWS
 * changes, site files, and resources to record in the state.
 */
export function renderPlanSummary(changes: readonly PlannedChange[], siteChanges: boolean): string {
  const counts = countActions(changes);
  const adopted = countAdopted(changes);
  if (counts.create + counts.update + counts.replace + counts.delete > 0) {
    const summary = renderSummary(changes, true);
    return adopted > 0 ? `${summary.slice(0, -1)}; ${existingResources(adopted)} to record in the state.` : summary;
  }
  if (adopted > 0) return `Plan: nothing in AWS changes; ${existingResources(adopted)} to record in the state${siteChanges ? ', and site files change' : ''}.`;
  return siteChanges ? 'Plan: only site files change.' : 'No changes. The stack matches the config.';
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

export function renderSummary(changes: readonly PlannedChange[], future: boolean): string {
  const counts = countActions(changes);
  if (counts.create + counts.update + counts.replace + counts.delete === 0) return 'No changes.';
  const replaced = counts.replace > 0 ? (future ? `, ${counts.replace} to replace` : `, ${counts.replace} replaced`) : '';
  return future
    ? `Plan: ${counts.create} to create, ${counts.update} to update${replaced}, ${counts.delete} to delete.`
    : `Done: ${counts.create} created, ${counts.update} updated${replaced}, ${counts.delete} deleted.`;
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
