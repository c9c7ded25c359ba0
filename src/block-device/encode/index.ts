/** Pure on-disk encoders for the block-device layer: (table) -> SectorWrite[]. */
export * from './types.js';
export { crc32, crc32c } from './crc32.js';
export { encodeGuid, decodeGuid, deriveU32, isGuid, gptTypeCodes } from './guid.js';
export { gptGeometry, GPT_ATTR_REQUIRED, GPT_ATTR_LEGACY_BIOS_BOOTABLE, GPT_NAME_MAX } from './gpt.js';
export { lbaToChs } from './mbr.js';
export { writeSectors } from './write.js';
