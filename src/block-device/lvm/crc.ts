// LVM2's checksum (lib/misc/crc.c calc_crc(), used with INITIAL_CRC from lib/format_text/layout.h):
// the reflected CRC-32 of zlib (polynomial 0xEDB88320) started at 0xf597a6cf and WITHOUT the final
// xor. It guards the label (crc_xl over bytes 20..511 of the label sector), the mda_header (checksum_xl
// over bytes 4..511) and the metadata text (raw_locn.checksum, NUL included).

export const LVM_INITIAL_CRC = 0xf597a6cf;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** calc_crc(initial, buf, size): unsigned 32-bit result. */
export function lvmCrc(buf: Uint8Array, initial: number = LVM_INITIAL_CRC): number {
  let crc = initial >>> 0;
  for (let i = 0; i < buf.length; i++) crc = TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}
