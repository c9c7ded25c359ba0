/** Public surface of the block-device layer (parsing, validation, planning, execution). */
export type * from './common/plan-types.js';
export {
  planBlockDevice,
  frameBlockDevice,
  sizeBlockDevice,
  loadResolvedConfig,
  type BlockDeviceFrame,
  type BlockDeviceSource,
  type FrameOptions,
  type PlanOptions,
  type SizeOptions,
} from './plan.js';
export { selectBlockDeviceConfig, FALLBACK_CONFIG, type ConfigChoice } from './select-config.js';
export { parseAbsSize, parseSizeSpec, resolveSize } from './common/sizes.js';
export { executeBlockDevice, type ExecuteOptions } from './execute.js';
export { measureTree, writeFstab, splitTree } from './mount/tree.js';
export { formatFstab } from './mount/plan.js';
export { planSummary } from './summary.js';
export type { RootfsParams } from './graph/legacy-params.js';
export { planOptionsFromSettings, type BlockDeviceSettings } from './env-options.js';
export { planBootInfo, type BootInfo } from './boot-info.js';
