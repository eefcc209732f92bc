// src/site/generate.ts: the generated config.json (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { siteConfigJson } from '../src/site/generate.ts';
import { md5 } from './helpers/md5.ts';

describe('generated config.json', () => {
  test('it holds the API URL as JSON under the key config.json', () => {
    const file = siteConfigJson('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    assert.equal(file.key, 'config.json');
    assert.deepEqual(JSON.parse(file.body.toString('utf8')), { apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' });
  });

  test('without an API yet the URL is an empty string', () => {
    assert.deepEqual(JSON.parse(siteConfigJson(undefined).body.toString('utf8')), { apiUrl: '' });
  });

  test('the same API URL always gives the same bytes', () => {
    assert.equal(md5(siteConfigJson('https://x').body), md5(siteConfigJson('https://x').body));
  });
});
