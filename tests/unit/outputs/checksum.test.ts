import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatChecksumLine, hashFile, writeChecksums } from '../../../src/outputs/checksum.js';

describe('checksum files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-checksum-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('formats lines like md5sum: hash, two spaces, base name', () => {
    assert.equal(formatChecksumLine('abc', '/x/y/img.qcow2'), 'abc  img.qcow2\n');
  });

  it('writes FILE.md5 and FILE.sha256 with the known digests of "abc"', async () => {
    const f = join(dir, 'img.raw');
    writeFileSync(f, 'abc');
    const written = await writeChecksums(f, ['md5', 'sha256']);
    assert.deepEqual(written, [`${f}.md5`, `${f}.sha256`]);
    assert.equal(readFileSync(`${f}.md5`, 'utf8'), '900150983cd24fb0d6963f7d28e17f72  img.raw\n');
    assert.equal(readFileSync(`${f}.sha256`, 'utf8'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  img.raw\n');
  });

  it('streams files larger than one read chunk', async () => {
    const f = join(dir, 'big');
    writeFileSync(f, Buffer.alloc(3 * (1 << 20) + 5, 1));
    const { sha256 } = await hashFile(f, ['sha256']);
    const { createHash } = await import('node:crypto');
    assert.equal(sha256, createHash('sha256').update(readFileSync(f)).digest('hex'));
  });

  it('writes nothing when no algorithm is chosen', async () => {
    assert.deepEqual(await writeChecksums(join(dir, 'img.raw'), []), []);
  });
});
