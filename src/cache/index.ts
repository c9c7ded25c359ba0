/** Kiln's content-addressed cache (bootstrap tarballs, tree layers, initramfs images). */
export { cacheKey, canonicalJson, type CacheInputs, type CacheInputValue } from './key.js';
export {
  bootstrapPaths,
  entryPaths,
  kindDir,
  lookupEntry,
  markUsed,
  removeEntry,
  storeEntry,
  tempEntryPath,
  ENTRY_KINDS,
  type EntryKind,
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
