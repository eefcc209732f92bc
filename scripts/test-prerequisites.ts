// `npm test`'s pretest step: fail at once, one line per missing prerequisite, instead of
// minutes later with a stack trace from the first test that needs it.
import { missingPrerequisites } from '../test/helpers/prerequisites.ts';

const missing = missingPrerequisites();
for (const line of missing) process.stderr.write(`npm test: ${line}\n`);
if (missing.length > 0) process.exitCode = 1;
