// Which Node versions resume-infra runs on, checked by cli/bin.mjs before anything else is loaded.
// Plain JavaScript with no imports, so on an old Node the user sees one line from us rather than
// a stack trace from a dependency (or a syntax error from tsx).
//
// SUPPORTED_LINES is what .ci/run tests and what package.json's "engines" says (a test keeps the
// two equal): each line's oldest supported release. Odd majors (21, 23, 25) have all reached end
// of life and are refused; a major newer than the newest tested one is let through, since
// refusing a Node that did not exist when this was written would only get in the way.

/** [major, minimum minor] of each supported release line. */
export const SUPPORTED_LINES = [[20, 19], [22, 12], [24, 0], [26, 0]];
export const MINIMUM_NODE = `${SUPPORTED_LINES[0][0]}.${SUPPORTED_LINES[0][1]}.0`;
export const RECOMMENDED_MAJOR = 24;

/** package.json's "engines.node" for SUPPORTED_LINES. */
export function enginesRange(lines = SUPPORTED_LINES) {
  return lines.map(([major, minor]) => `^${major}.${minor}.0`).join(' || ');
}

/** The one-line reason this Node version cannot run the tool, or undefined when it can. */
export function nodeVersionProblem(version) {
  const [major = Number.NaN, minor = Number.NaN] = version.split('.').map(Number);
  const newestMajor = SUPPORTED_LINES[SUPPORTED_LINES.length - 1][0];
  if (major > newestMajor) return undefined;
  if (SUPPORTED_LINES.some(([lineMajor, lineMinor]) => major === lineMajor && minor >= lineMinor)) return undefined;
  const lines = SUPPORTED_LINES.map(([lineMajor, lineMinor]) => (lineMinor === 0 ? `${lineMajor}` : `${lineMajor}.${lineMinor}+`)).join(', ');
  return `resume-infra needs Node.js ${MINIMUM_NODE} or later (supported: ${lines}); this is Node.js ${version}: install Node.js ${RECOMMENDED_MAJOR} or later`;
}

/** Prints the problem and exits 1 on an unsupported Node. */
export function exitOnUnsupportedNode(version = process.versions.node) {
  const problem = nodeVersionProblem(version);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

/**
 * On Node 20 only, silences the AWS SDK's notice that its future releases will need a newer Node:
 * the SDK versions in package-lock.json support Node 20, and the README already recommends 24.
 * On any other version the SDK's warnings stay on.
 */
export function quietSdkNode20Notice(env = process.env, version = process.versions.node) {
  if (version.split('.')[0] === '20') env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
