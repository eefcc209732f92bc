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
  assert.match(problemOf({ project: 'jane-resume', favouriteColour: 'blue' }), /unknown key "favouriteColour" \(remove it; known keys: project, region, domain, redirectFrom, hostedZone, siteDir, state, counter, cdn, headers, site, cacheControl, tags\)/);
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

test('redirectFrom is kept as given, and left unset when the config has none (the default is decided with the zone)', () => {
  const set = parseConfig({ project: 'jane-resume', domain: 'example.com', redirectFrom: ['www.example.com', 'cv.example.com'] }, 'c', '/tmp');
  assert.deepEqual(set.redirectFrom, ['www.example.com', 'cv.example.com']);
  const none = parseConfig({ project: 'jane-resume', domain: 'example.com', redirectFrom: [] }, 'c', '/tmp');
  assert.deepEqual(none.redirectFrom, []);
  assert.equal(parseConfig({ project: 'jane-resume', domain: 'example.com' }, 'c', '/tmp').redirectFrom, undefined);
});

test('a bad redirectFrom name, the domain itself, a duplicate or a missing domain is one line naming the fix', () => {
  assert.match(problemOf({ project: 'jane-resume', domain: 'example.com', redirectFrom: ['WWW.example.com'] }), /redirectFrom\.0 "WWW\.example\.com" is not a lowercase host name like "www\.example\.com"/);
  assert.match(problemOf({ project: 'jane-resume', domain: 'example.com', redirectFrom: 'www.example.com' }), /redirectFrom "www\.example\.com" must be an array/);
  assert.equal(problemOf({ project: 'jane-resume', domain: 'example.com', redirectFrom: ['www.example.com', 'example.com'] }), 'resume-infra.json: redirectFrom lists "example.com", which is the domain itself; remove it from redirectFrom');
  assert.equal(problemOf({ project: 'jane-resume', domain: 'example.com', redirectFrom: ['www.example.com', 'www.example.com'] }), 'resume-infra.json: redirectFrom lists "www.example.com" twice; remove one');
  assert.equal(problemOf({ project: 'jane-resume', redirectFrom: ['www.example.com'] }), 'resume-infra.json: redirectFrom ["www.example.com"] is set without a domain; add "domain" (the name they redirect to) or remove "redirectFrom"');
  const many = Array.from({ length: 10 }, (_, index) => `n${index}.example.com`);
  assert.match(problemOf({ project: 'jane-resume', domain: 'example.com', redirectFrom: many }), /redirectFrom .* lists more than 9 names/);
});

test('site.keepReleases defaults to 5 and must be a whole number of at least 2', () => {
  assert.equal(parseConfig({ project: 'jane-resume' }, 'c', '/tmp').site.keepReleases, 5);
  assert.equal(parseConfig({ project: 'jane-resume', site: { keepReleases: 12 } }, 'c', '/tmp').site.keepReleases, 12);
  assert.match(problemOf({ project: 'jane-resume', site: { keepReleases: 1 } }), /site\.keepReleases 1 must be at least 2 \(the live release and the one before it are always kept\)/);
  assert.match(problemOf({ project: 'jane-resume', site: { keepReleases: 2.5 } }), /site\.keepReleases 2\.5 must be an int/);
  assert.match(problemOf({ project: 'jane-resume', site: { keepRelease: 3 } }), /unknown key "keepRelease" in "site" \(did you mean "keepReleases"\?\)/);
});
