// The config file's messages: one line, naming the bad value and the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../src/config.ts';
import { configProblem } from './helpers/config-problem.ts';

const problemOf = configProblem;

test('a config that is not a JSON object says so in one line', () => {
  assert.equal(problemOf(['jane']), 'resume-infra.json holds an array, not a JSON object; write an object like {"project": "jane-resume"}');
  assert.match(problemOf('jane'), /holds a string, not a JSON object/);
  assert.match(problemOf(null), /holds null, not a JSON object/);
});

test('an unknown key suggests the nearest known key', () => {
  assert.match(problemOf({ project: 'jane-resume', regoin: 'eu-west-1' }), /unknown key "regoin" \(did you mean "region"\?\)/);
  assert.match(problemOf({ project: 'jane-resume', counter: { ratelimit: 5 } }), /unknown key "ratelimit" in "counter" \(did you mean "rateLimit"\?\)/);
});

test('an unknown key far from every known key lists the known ones instead', () => {
  assert.match(problemOf({ project: 'jane-resume', favouriteColour: 'blue' }), /unknown key "favouriteColour" \(remove it; known keys: project, region, domain, hostedZone, siteDir, state, counter, cdn, headers, cacheControl, tags\)/);
});

test('a nested value of the wrong type reads "must be an object"', () => {
  assert.match(problemOf({ project: 'jane-resume', counter: 'x' }), /counter "x" must be an object/);
});

test('hostedZone takes a zone id as well as a zone name', () => {
  const byId = parseConfig({ project: 'jane-resume', domain: 'resume.example.com', hostedZone: 'Z0123456789ABCDEFGHIJ' }, 'c', '/tmp');
  assert.equal(byId.hostedZone, 'Z0123456789ABCDEFGHIJ');
  const byName = parseConfig({ project: 'jane-resume', domain: 'resume.example.com', hostedZone: 'example.com' }, 'c', '/tmp');
  assert.equal(byName.hostedZone, 'example.com');
  assert.match(problemOf({ project: 'jane-resume', domain: 'resume.example.com', hostedZone: 'Example Zone' }), /hostedZone "Example Zone" is neither a lowercase zone name like "example\.com" nor a zone id like "Z0123456789ABCDEFGHIJ"/);
});
