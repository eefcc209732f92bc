// The one-line message parseConfig rejects a config with; fails the test when it is accepted.
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config.ts';
import { UserError } from '../../src/errors.ts';

export function configProblem(input: unknown): string {
  try {
    parseConfig(input, 'resume-infra.json', '/tmp');
  } catch (error) {
    assert.ok(error instanceof UserError, String(error));
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    return error.message;
  }
  assert.fail('the config was accepted');
}
