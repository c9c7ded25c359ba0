/**
 * Table-driven reflected CRC-32s.
 *  - crc32: IEEE 802.3 (poly 0xEDB88320, init and final XOR 0xFFFFFFFF), as the UEFI spec uses for the
 *    GPT header and partition array (UEFI 2.10 §5.3.2).
 *  - crc32c: Castagnoli (poly 0x82F63B78), as ext4 metadata_csum uses (raw, no final XOR: see crc32cRaw).
 */

function makeTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

const IEEE = makeTable(0xedb88320);
const CASTAGNOLI = makeTable(0x82f63b78);

function update(table: Uint32Array, crc: number, buf: Uint8Array): number {
  let c = crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = (table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return c >>> 0;
}

/** Standard CRC-32 (zlib.crc32, the GPT checksum). */
export function crc32(buf: Uint8Array): number {
  return (update(IEEE, 0xffffffff, buf) ^ 0xffffffff) >>> 0;
}

/** Standard CRC-32C (iSCSI): crc32c("123456789") = 0xE3069283. */
export function crc32c(buf: Uint8Array): number {
  return (update(CASTAGNOLI, 0xffffffff, buf) ^ 0xffffffff) >>> 0;
}

/**
 * ext4's ext4_chksum(): the kernel's crc32c_le(seed, buf) with no pre/post inversion.
 * The superblock checksum is crc32cRaw(0xFFFFFFFF, sb[0..0x3FC)) (e2fsprogs ext2fs_superblock_csum).
 */
export function crc32cRaw(seed: number, buf: Uint8Array): number {
  return update(CASTAGNOLI, seed, buf);
}
