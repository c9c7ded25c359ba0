/** Public surface of the outputs layer. */
export type { ChecksumAlgorithm, OutputCompression, OutputFormat, OutputRequest, ToolNeed } from './types.js';
export { outputFormat, outputFormatNames, planOutputs } from './registry.js';
export { writeChecksums, formatChecksumLine } from './checksum.js';
export { writeOutputs, outputTools, checkOutputRequest, type OutputResult } from './write.js';
export { OutputVerificationError } from './verify/error.js';
export { shrinkRawImage } from './shrink.js';
export { acquireOutputLock, lockName, type OutputLock } from './lock.js';
export { checkQemuImgOptions, parseQemuImgOptions } from './qemu-img-options.js';
