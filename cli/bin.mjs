#!/usr/bin/env node
// Entry point for `npx resume-infra`: the prebuilt bundle in dist/ when it is current (about
// 0.3 s faster to start), otherwise the TypeScript sources through tsx. See bundle-check.mjs.
// The SDK versions in package-lock.json support Node 20; its upgrade notice is noise for users.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentBundle } from './bundle-check.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const bundle = currentBundle(fileURLToPath(new URL('..', import.meta.url)));
let entry;
if (bundle) {
  entry = await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('./main.ts');
}
await entry.runFromProcess();
