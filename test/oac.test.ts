// src/resources/oac.ts: the origin access control, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetOriginAccessControlCommand } from '@aws-sdk/client-cloudfront';
import { cloudfront, PROJECT, upOk, oacsNamed } from './helpers/cdn-stack.ts';

describe('up without a domain', () => {
  test('the origin access control is for S3, signs always, with SigV4', async () => {
    await upOk();
    const ids = await oacsNamed(`${PROJECT}-oac`);
    assert.equal(ids.length, 1);
    const config = (await cloudfront.send(new GetOriginAccessControlCommand({ Id: ids[0] }))).OriginAccessControl?.OriginAccessControlConfig;
    assert.equal(config?.OriginAccessControlOriginType, 's3');
    assert.equal(config?.SigningBehavior, 'always');
    assert.equal(config?.SigningProtocol, 'sigv4');
  });
});
