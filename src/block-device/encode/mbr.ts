import type { MbrTable, SectorWrite } from './types.js';
export function encodeMbr(_t: MbrTable): SectorWrite[] {
  throw new Error('encodeMbr: not implemented yet');
}
