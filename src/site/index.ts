// The site sync: file scan, hashing, cache rules, sync, invalidation paths.
export { cacheControlFor, cacheRules, isFingerprinted, IMMUTABLE, NO_CACHE, SHORT_CACHE, type CacheRules } from './cache-control.ts';
export { contentTypeFor, isHtml } from './content-type.ts';
export { siteConfigJson, type GeneratedFile } from './generate.ts';
export { createInvalidation, waitForInvalidation, type WaitOptions } from './invalidation.ts';
export { callerReference, DEFAULT_INVALIDATION_THRESHOLD, encodePath, invalidationPaths, validateInvalidationPaths } from './invalidation-paths.ts';
export { etagMd5, listRemote, planSync, type PlannedUpload, type RemoteObject, type SourceFile, type SyncPlan, type UploadReason } from './plan.ts';
export { GENERATED_CONFIG_KEY, scanSite, type LocalFile } from './scan.ts';
export { DEFAULT_CONCURRENCY, planSiteSync, syncSite, type SyncOptions, type SyncResult } from './sync.ts';
