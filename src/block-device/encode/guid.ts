export function gptTypeGuid(_code: string): string {
  throw new Error('gptTypeGuid: not implemented yet');
}
export function deriveGuid(_seed: string, _purpose: string): string {
  throw new Error('deriveGuid: not implemented yet');
}
