// src/resources/secret.ts: the secret parameter's value never leaves AWS, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ssm, PARAMETER, project, stateBody } from './helpers/foundation-stack.ts';

describe('secrets', () => {
  test('the secret value appears in no output, no log line and not in the state object', async () => {
    const outputs: string[] = [];
    for (const args of [['up', '--verbose'], ['up', '--json', '--verbose'], ['plan', '--verbose'], ['status', '--json'], ['status']]) {
      const result = await project.run(...args);
      outputs.push(result.stdout, result.stderr, JSON.stringify(result.calls));
    }
    const secretValue = (await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }))).Parameter?.Value;
    assert.ok(secretValue && secretValue.length >= 40);
    const everything = [...outputs, await stateBody()].join('\n');
    assert.ok(everything.includes(PARAMETER), 'the parameter name is shown, so the outputs were captured');
    assert.equal(everything.includes(secretValue), false);
    assert.equal(everything.includes(Buffer.from(secretValue, 'base64').toString('hex')), false);
  });
});
