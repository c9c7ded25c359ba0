import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generatedFiles } from '../../../src/cli/gen-docs.js';
import { renderSettingsBlock, updateSettingsBlocks } from '../../../src/config/docs-tables.js';
import { findTool } from '../../helpers/host-tools.js';
import { REPO } from '../../helpers/cli.js';

describe('docs and man pages generated from the settings declaration', () => {
  it('every generated table and man page is current (run npm run gen-docs)', async () => {
    const files = await generatedFiles(REPO);
    assert.ok(files.some((f) => f.path === 'docs/user-guide.md') && files.some((f) => f.path === 'man/kiln.1'), 'docs with markers and both man pages');
    for (const f of files) {
      assert.equal(readFileSync(join(REPO, f.path), 'utf8'), f.content, `${f.path} differs from what the settings declaration generates: run npm run gen-docs`);
    }
  });

  it('a stale table is regenerated, and bad markers are refused', () => {
    const stale = '# T\n\n<!-- settings:begin variables group=bootloader -->\n| old | table |\n<!-- settings:end -->\ntext\n';
    const fresh = updateSettingsBlocks(stale, 't.md');
    assert.notEqual(fresh, stale);
    assert.match(fresh, /\| `DIB_GRUB_TIMEOUT` \| `5` \| env\.d \| Seconds the GRUB menu waits\. \|/);
    assert.equal(updateSettingsBlocks(fresh, 't.md'), fresh, 'stable');
    assert.throws(() => updateSettingsBlocks('<!-- settings:begin scopes -->\n', 't.md'), /1 settings:begin markers but 0 settings:end/);
    assert.throws(() => renderSettingsBlock('tables'), /unknown kind 'tables'/);
    assert.throws(() => renderSettingsBlock('variables group=nothing'), /no variables match/);
  });

  it('the tables escape what markdown would misread', () => {
    const t = renderSettingsBlock('variables group=image');
    assert.match(t, /`DIB_INSTALLTYPE_<element>`/, 'in code: as is');
    assert.match(t, /\\<prefix\\>-\\<type\\>-install/, 'in text: escaped');
    assert.match(renderSettingsBlock('options kiln'), /`--compression zstd\\\|xz`/);
  });

  for (const page of ['man/disk-image-create.1', 'man/kiln.1']) {
    it(`man -l ${page} renders without warnings`, {
      skip: findTool('man') || process.env.CI === 'true' ? false : 'man is not installed (scripts/setup --test installs it)',
    }, () => {
      const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', join(REPO, page)], {
        encoding: 'utf8',
        env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'no groff warnings');
      for (const section of ['NAME', 'SYNOPSIS', 'ENVIRONMENT', 'EXIT STATUS']) assert.match(r.stdout, new RegExp(`^${section}$`, 'm'));
      assert.match(r.stdout, page.includes('kiln') ? /kiln block-device create/ : /--image-size SIZE/);
    });
  }
});
