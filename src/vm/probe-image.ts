/**
 * A 512-byte boot sector for the KVM probe. Booted by SeaBIOS it does what makes nested KVM crawl
 * for GRUB (real mode, many INT 13h disk reads through the BIOS), then writes a marker to COM1 and
 * leaves QEMU through isa-debug-exit (iobase 0xf4). A probe that only ran a few instructions would
 * pass on hosts where real GRUB then crawls (docs/boot-test.md, "KVM detection").
 * Hand-assembled 8086 code; the listing is next to each instruction.
 */
export const PROBE_MARKER = 'KILN-KVM-PROBE-OK';
/** isa-debug-exit turns a write of v into exit status (v << 1) | 1 */
export const PROBE_EXIT_VALUE = 0x10;
export const PROBE_EXIT_STATUS = (PROBE_EXIT_VALUE << 1) | 1;

export function encodeProbeBootSector(reads = 300): Buffer {
  const code: number[] = [
    0x31,
    0xc0, //             xor ax, ax
    0x8e,
    0xd8, //             mov ds, ax
    0x8e,
    0xc0, //             mov es, ax
    0xb9,
    reads & 0xff,
    reads >> 8, // mov cx, reads
    // again: (offset 9)
    0x51, //                   push cx
    0xb8,
    0x01,
    0x02, //       mov ax, 0x0201 (read 1 sector)
    0xb9,
    0x01,
    0x00, //       mov cx, 0x0001 (cylinder 0, sector 1)
    0xb6,
    0x00, //             mov dh, 0 (dl = boot drive from the BIOS)
    0xbb,
    0x00,
    0x80, //       mov bx, 0x8000
    0xcd,
    0x13, //             int 0x13
    0x59, //                   pop cx
    0xe2,
    0x00, //             loop again (rel8 patched below)
    0xbe,
    0x00,
    0x00, //       mov si, msg (patched below)
    0xba,
    0xf8,
    0x03, //       mov dx, 0x3f8 (COM1 data)
    // print:
    0xac, //                   lodsb
    0x84,
    0xc0, //             test al, al
    0x74,
    0x03, //             jz done
    0xee, //                   out dx, al
    0xeb,
    0xf8, //             jmp print
    // done:
    0xba,
    0xf4,
    0x00, //       mov dx, 0xf4 (isa-debug-exit)
    0xb0,
    PROBE_EXIT_VALUE, // mov al, PROBE_EXIT_VALUE
    0xee, //                   out dx, al
    0xfa,
    0xf4, //             cli; hlt
    0xeb,
    0xfc, //             jmp $-2 (hlt again)
  ];
  const loopAt = code.indexOf(0xe2);
  code[loopAt + 1] = (9 - (loopAt + 2)) & 0xff;
  const msgAddr = 0x7c00 + code.length;
  const movSi = code.indexOf(0xbe, loopAt);
  code[movSi + 1] = msgAddr & 0xff;
  code[movSi + 2] = msgAddr >> 8;
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector.write(`${PROBE_MARKER}\r\n\0`, code.length, 'latin1');
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}
