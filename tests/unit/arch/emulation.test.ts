import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureEmulation, parseBinfmtHandler, registrationLine, parseBinfmtData, type EmulationHost } from '../../../src/arch/emulation.js';
import { resolveArch } from '../../../src/arch/index.js';
import { KilnError } from '../../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-binfmt-'));
after(() => rmSync(root, { recursive: true, force: true }));

// the shape of qemu-user-static's /usr/share/binfmts/qemu-aarch64
const DATA = `package qemu-user-static
interpreter ${join(root, 'aarch64-binfmt-P')}
magic \\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00
offset 0
mask \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff
credentials no
fix_binary yes
preserve yes
`;
writeFileSync(join(root, 'aarch64-binfmt-P'), '');

let n = 0;
function host(opts: { mounted?: boolean; data?: boolean; handler?: string; canRegister?: boolean }): EmulationHost {
  const dir = join(root, `case${n++}`);
  const binfmtDir = join(dir, 'binfmt_misc');
  const binfmtDataDir = join(dir, 'binfmts');
  mkdirSync(binfmtDir, { recursive: true });
  mkdirSync(binfmtDataDir, { recursive: true });
  if (opts.mounted !== false) writeFileSync(join(binfmtDir, 'status'), 'enabled\n');
  if (opts.data) writeFileSync(join(binfmtDataDir, 'qemu-aarch64'), DATA);
  if (opts.handler) writeFileSync(join(binfmtDir, 'qemu-aarch64'), opts.handler);
  return { host: resolveArch('amd64'), binfmtDir, binfmtDataDir, canRegister: opts.canRegister ?? false };
}
const arm = resolveArch('arm64');
const handler = (flags: string, enabled = 'enabled') =>
  `${enabled}\ninterpreter ${join(root, 'aarch64-binfmt-P')}\nflags: ${flags}\noffset 0\nmagic 7f454c46\nmask ffffffff\n`;
const refused = (re: RegExp, hint?: RegExp) => (e: unknown) => e instanceof KilnError && re.test(e.message) && (!hint || hint.test(e.hint ?? ''));

describe('qemu-user through binfmt_misc', () => {
  it('a native arch needs nothing, whatever binfmt_misc holds', () => {
    assert.equal(ensureEmulation(resolveArch('amd64'), host({ mounted: false })), undefined);
    assert.equal(ensureEmulation(resolveArch('i386'), host({ mounted: false })), undefined);
  });

  it('without qemu-user-static: the one-line explanation with the apt command', () => {
    assert.throws(
      () => ensureEmulation(arm, host({})),
      refused(/^arm64 on an amd64 host needs qemu-user-static and binfmt_misc$/, /^apt-get install qemu-user-static binfmt-support$/),
    );
  });

  it('binfmt_misc not mounted: says so, with the commands', () => {
    assert.throws(
      () => ensureEmulation(arm, host({ mounted: false, data: true })),
      refused(/binfmt_misc is not mounted/, /mount -t binfmt_misc .*update-binfmts --enable qemu-aarch64/),
    );
  });

  it('an unregistered handler: unprivileged, refused with how to register it', () => {
    assert.throws(
      () => ensureEmulation(arm, host({ data: true })),
      refused(/handler qemu-aarch64, which is not registered/, /update-binfmts --enable qemu-aarch64/),
    );
  });

  it('an unregistered handler: root registers it from the data file, with fix-binary', () => {
    const h = host({ data: true, canRegister: true });
    assert.match(ensureEmulation(arm, h) ?? '', /registered the binfmt_misc handler qemu-aarch64/);
    const line = readFileSync(join(h.binfmtDir, 'register'), 'utf8');
    assert.equal(line, `:qemu-aarch64:M:0:${parseBinfmtData(DATA).get('magic')}:${parseBinfmtData(DATA).get('mask')}:${join(root, 'aarch64-binfmt-P')}:FP`);
  });

  it('a disabled handler: root enables it; unprivileged is refused', () => {
    const h = host({ data: true, handler: handler('PF', 'disabled'), canRegister: true });
    assert.match(ensureEmulation(arm, h) ?? '', /enabled the binfmt_misc handler/);
    assert.equal(readFileSync(join(h.binfmtDir, 'qemu-aarch64'), 'utf8'), '1');
    assert.throws(() => ensureEmulation(arm, host({ data: true, handler: handler('PF', 'disabled') })), refused(/is disabled/));
  });

  it('a handler without the F flag cannot run binaries chrooted into the tree', () => {
    assert.throws(() => ensureEmulation(arm, host({ handler: handler('P') })), refused(/lacks the F \(fix-binary\) flag/));
  });

  it('a registered, enabled handler with F is enough', () => {
    assert.equal(ensureEmulation(arm, host({ handler: handler('PF') })), undefined);
  });

  it('parses the handler file and builds the registration line', () => {
    assert.deepEqual(parseBinfmtHandler(handler('PF')), { enabled: true, interpreter: join(root, 'aarch64-binfmt-P'), flags: 'PF' });
    const d = new Map([
      ['magic', 'M'],
      ['interpreter', '/q'],
      ['credentials', 'yes'],
    ]);
    assert.equal(registrationLine('qemu-x', d), ':qemu-x:M::M::/q:FC');
  });
});
