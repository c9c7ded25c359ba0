/**
 * Mount order (DIB diskimage_builder/block_device/level3/mount.py): mount points sorted as strings,
 * so a parent ('/var') sorts before its children ('/var/log'); 'none' (swap) sorts last.
 */
export function compareMountPoints(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'none') return 1;
  if (b === 'none') return -1;
  return a < b ? -1 : 1;
}

export function sortMountPoints<T extends { mountPoint: string }>(mounts: T[]): T[] {
  return [...mounts].sort((x, y) => compareMountPoints(x.mountPoint, y.mountPoint));
}
