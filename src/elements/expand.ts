/**
 * How disk-image-create turns the command line into the element list it resolves
 * (arg_to_elements in diskimage_builder/lib/disk-image-create): the vm default block-device rule, then `base` unless -n.
 */
export interface ExpandOptions {
  skipBase: boolean;
  arch: string;
  /** ramdisk mode prepends this element */
  ramdiskElement?: string;
}

export function expandRequestedElements(args: string[], opts: ExpandOptions): string[] {
  const out = [...args];
  // _arg_defaults_hack: only command-line arguments are looked at (DIB quirk kept).
  if (out.includes('vm') && !out.some((a) => a.startsWith('block-device-'))) {
    out.push(opts.arch === 'arm64' || opts.arch === 'aarch64' ? 'block-device-efi' : 'block-device-mbr');
  }
  if (!opts.skipBase) out.unshift('base');
  if (opts.ramdiskElement) out.unshift(opts.ramdiskElement);
  return out;
}
