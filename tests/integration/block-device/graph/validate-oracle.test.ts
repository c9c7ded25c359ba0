/**
 * Validation messages against DIB itself: for every invalid fixture that DIB's own code rejects
 * (config_tree_to_graph + create_graph, run with the system python) with a BlockDeviceSetupException,
 * our report contains DIB's message (for messages quoting the entry, the part before the quote:
 * DIB prints Python reprs, we print JSON).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BD_FIXTURES, DIB_PY, errorOf, GiB, planFile } from '../../../helpers/block-device.js';
import { dibPython } from '../../../helpers/dib-oracle.js';

const skip = !existsSync(join(DIB_PY, 'block_device/config.py')) && process.env.CI !== 'true' ? 'python3-diskimage-builder not installed' : false;
const PY = `import sys, yaml
from diskimage_builder.block_device.config import config_tree_to_graph, create_graph
from diskimage_builder.block_device.exception import BlockDeviceSetupException
try:
    g = config_tree_to_graph(yaml.safe_load(open(sys.argv[1])))
    create_graph(g, {'image-size': '1GiB', 'image-dir': '/tmp', 'mount-base': '/tmp/mnt'}, {})
    print('OK')
except BlockDeviceSetupException as e:
    print('DIB', e)
except Exception as e:
    print('OTHER', type(e).__name__)`;

const dir = join(BD_FIXTURES, 'invalid');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe("our messages contain DIB's", { skip }, () => {
  let compared = 0;
  for (const f of files) {
    it(f, () => {
      const out = dibPython(['-c', PY, join(dir, f)]).stdout.trim();
      // `# options:` in the header: planner options the fixture's rule needs (validate.test.ts)
      const options = JSON.parse(/^# options: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '{}') as object;
      const ours = errorOf(() =>
        planFile(`tests/fixtures/block-device/invalid/${f}`, { imageSizeBytes: GiB, params: { rootFsType: 'ext4', rootLabel: null }, ...options }),
      );
      if (!out.startsWith('DIB ')) return; // DIB accepts it, or fails later / with a Python error
      compared += 1;
      const dib = out.slice(4);
      const want = /: [{[]/.test(dib) ? dib.slice(0, dib.indexOf(': ') + 1) : dib;
      assert.ok(ours.includes(want), `DIB: ${dib}\nours: ${ours}`);
    });
  }
  it('compared a meaningful number of fixtures', () => assert.ok(compared >= 15, `${compared}`));
});
