// A module-resolution hook that appends every resolved URL to $RECORD_IMPORTS_FILE, so a test
// can see which packages a command loaded. Used with `node --import ./test/helpers/record-imports.mjs`.
import { register } from 'node:module';

const hook = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.RECORD_IMPORTS_FILE) appendFileSync(process.env.RECORD_IMPORTS_FILE, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
