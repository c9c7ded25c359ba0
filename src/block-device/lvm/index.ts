// Public surface of the LVM2 on-disk encoder (see docs/lvm.md). The lvm node's handler, planner and
// plan -> encoder mapping are node.ts, plan.ts and execute.ts beside it.
export * from './types.js';
export { lvmId, formatLvmId, isLvmId } from './ids.js';
export { lvmCrc } from './crc.js';
export { formatVgMetadata, LVM2_FORMAT_VERSION, type VgTextOptions } from './metadata-text.js';
export { encodePv } from './encode.js';
export { validateLvmVg, assertLvmVg } from './validate.js';
export { writeLvm } from './write.js';
