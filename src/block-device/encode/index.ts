/** Pure on-disk encoders for the block-device layer: (table) -> SectorWrite[]. */
export * from './types.js';
export { crc32, crc32c } from './crc32.js';
export { encodeGuid, decodeGuid, deriveGuid, deriveU32, gptTypeCodes, gptTypeGuid, isGuid } from './guid.js';
export { encodeGpt, gptGeometry, GPT_ATTR_REQUIRED, GPT_ATTR_LEGACY_BIOS_BOOTABLE, GPT_NAME_MAX } from './gpt.js';
export { encodeMbr, lbaToChs } from './mbr.js';
export { writeSectors } from './write.js';
