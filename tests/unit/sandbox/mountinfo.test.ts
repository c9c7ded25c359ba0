import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMountField, mountsUnder, parseMountInfo } from '../../../src/sandbox/mountinfo.js';

// proc(5)'s example line, a bind mount of a directory whose name has a space and a backslash,
// and a tmpfs without optional fields
const TABLE = [
  '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
  '40 27 254:1 /srv/apt\\040cache /tmp/kiln-x/mnt/var/cache/a\\134b\\040c rw,relatime shared:1 master:7 - ext4 /dev/vda1 rw',
  '41 27 0:50 / /tmp/kiln-x rw,relatime - tmpfs kiln\\011t rw,size=1024k',
  '42 27 0:51 / /tmp/kiln-x2/mnt rw - tmpfs none rw',
].join('\n');

test('parses every field of proc(5) mountinfo, optional fields up to the separator', () => {
  const [a, b, c] = parseMountInfo(`${TABLE}\n`);
  assert.deepEqual(a, { id: 36, parentId: 35, root: '/mnt1', mountPoint: '/mnt2', optional: ['master:1'], fsType: 'ext3', source: '/dev/root' });
  assert.deepEqual(b!.optional, ['shared:1', 'master:7']);
  assert.equal(b!.root, '/srv/apt cache');
  assert.equal(b!.mountPoint, '/tmp/kiln-x/mnt/var/cache/a\\b c');
  assert.deepEqual(c!.optional, []);
  assert.equal(c!.source, 'kiln\tt');
});

test("decodes the kernel's octal escapes (space, tab, newline, backslash) and nothing else", () => {
  assert.equal(decodeMountField('a\\040b\\011c\\012d\\134e'), 'a b\tc\nd\\e');
  assert.equal(decodeMountField('plain\\x'), 'plain\\x');
});

test('refuses a line without the separator', () => {
  assert.throws(() => parseMountInfo('1 2 0:1 / /x rw shared:1 ext4 /dev/a rw'), /malformed mountinfo line/);
});

test('mountsUnder: the directory itself and below, not a sibling sharing its prefix, in table order', () => {
  const t = parseMountInfo(TABLE);
  assert.deepEqual(
    mountsUnder(t, '/tmp/kiln-x').map((m) => m.id),
    [40, 41],
  );
  assert.deepEqual(
    mountsUnder(t, '/tmp/kiln-x/mnt').map((m) => m.id),
    [40],
  );
  assert.deepEqual(
    mountsUnder(t, '/tmp/kiln').map((m) => m.id),
    [],
  );
});
