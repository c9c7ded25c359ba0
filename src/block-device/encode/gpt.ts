import type { GptTable, SectorWrite } from './types.js';
export function encodeGpt(_t: GptTable): SectorWrite[] {
  throw new Error('encodeGpt: not implemented yet');
}
