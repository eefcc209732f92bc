// state.json.example documents the real format: the parser must accept it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseState, STATE_FORMAT_VERSION } from '../src/state/document.ts';

test('state.json.example is a state document this version reads', async () => {
  const body = await readFile(new URL('../state.json.example', import.meta.url), 'utf8');
  const document = parseState(body, 'state.json.example', 'jane-resume');
  assert.equal(document.formatVersion, STATE_FORMAT_VERSION);
  assert.ok(document.serial > 0 && document.lineage.length > 0);
  assert.ok(Object.keys(document.resources).length > 0 && Object.keys(document.outputs).length > 0);
});

test('a state document of another project is refused with the fix', () => {
  const body = JSON.stringify({ formatVersion: 1, serial: 1, lineage: 'x', project: 'other', account: '1', region: 'eu-west-1', resources: {}, outputs: {}, createdAt: '', updatedAt: '' });
  assert.throws(() => parseState(body, 's3://b/k', 'jane-resume'), /belongs to project "other", not "jane-resume"; set a different state.key/);
});
