// The summary lines of plan and up: resources recorded in the state as found, and other state
// entries to update, are counted, in the future tense for a plan and the past tense for a run,
// with or without changes to AWS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlannedChange } from '../src/engine/engine.ts';
import { listedChanges, renderPlanSummary, renderStateUpdates, renderSummary } from '../src/ui/render.ts';

const change = (action: PlannedChange['action'], adopted = false): PlannedChange => ({ resource: `r-${action}`, title: 'Thing', label: 'x', action, changes: [], adopted });

test('a plan or run that only records what exists says so, and lists only those resources', () => {
  const changes = [change('noop', true), change('noop', true), change('noop')];
  assert.equal(renderPlanSummary(changes, false), 'Plan: nothing in AWS changes; 2 existing resources to record in the state.');
  assert.equal(renderSummary(changes, false), 'Done: nothing in AWS changed; recorded 2 existing resources in the state.');
  assert.deepEqual(listedChanges(changes).map((listed) => listed.adopted), [true, true]);
});

test('AWS changes and one resource to record are counted together', () => {
  const changes = [change('create'), change('noop', true)];
  assert.equal(renderPlanSummary(changes, true), 'Plan: 1 to create, 0 to update, 0 to delete; 1 existing resource to record in the state.');
  assert.equal(renderSummary(changes, false), 'Done: 1 created, 0 updated, 0 deleted; recorded 1 existing resource in the state.');
});

test('nothing to record: the summaries are as before', () => {
  assert.equal(renderPlanSummary([change('noop')], false), 'No changes. The stack matches the config.');
  assert.equal(renderPlanSummary([change('noop')], true), 'Plan: only site files change.');
  assert.equal(renderSummary([change('update')], true), 'Plan: 0 to create, 1 to update, 0 to delete.');
  assert.deepEqual(listedChanges([change('noop')]), []);
});

test('state entries to update are counted, alone or beside resources to record, and listed as state lines', () => {
  const updates = [
    { kind: 'outputs' as const, description: 'update the stack outputs (apiUrl)' },
    { kind: 'site' as const, description: 'record the live site release r1 (the state names none)' },
  ];
  assert.equal(renderPlanSummary([change('noop')], false, 1), 'Plan: nothing in AWS changes; 1 state entry to update.');
  assert.equal(renderPlanSummary([change('noop', true)], false, 2), 'Plan: nothing in AWS changes; 1 existing resource to record in the state; 2 state entries to update.');
  assert.equal(renderSummary([change('noop')], false, 2), 'Done: nothing in AWS changed; updated 2 state entries.');
  assert.deepEqual(renderStateUpdates(updates), ['  = state: update the stack outputs (apiUrl)', '  = state: record the live site release r1 (the state names none)']);
  assert.deepEqual(renderStateUpdates([]), []);
});
