#!/usr/bin/env node
// Entry point for `npx resume-infra`: tsx runs the TypeScript sources directly.
// The SDK versions in package-lock.json support Node 20; its upgrade notice is noise for users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { runFromProcess } = await import('./main.ts');
await runFromProcess();
