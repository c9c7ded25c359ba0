/** Kiln's content-addressed cache (bootstrap tarballs). */
export { cacheKey, canonicalJson, type CacheInputs, type CacheInputValue } from './key.js';
export {
  bootstrapPaths,
  listCache,
  lookupBootstrap,
  pruneCache,
  removeBootstrap,
  removeDeadTemps,
  storeBootstrap,
  tempBootstrapPath,
  type CacheEntry,
  type PruneOptions,
} from './store.js';
export { looksCorrupt, pruneCorrupt, sha256File, verifyBootstrap } from './verify.js';
