#!/usr/bin/env node
// Block-device assembly benchmark: a generated ~1 GB tree into a GPT disk with
// `kiln block-device create`, against the floor `mke2fs -d` of the same tree into a bare file.
// Usage: npm run build && node bench/block-device.mjs [--runs 3] [--size-mb 1000] [--keep]
// Prints a markdown table (min / median wall seconds, allocated MiB). Warm page cache.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const runs = Number(arg('runs', '3'));
const sizeMb = Number(arg('size-mb', '1000'));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-bd-'));
const tree = join(work, 'tree');

function makeTree() {
  // 85% in 3 MiB files, 15% in 4 KiB files spread over directories; every block differs a little
  const big = Math.round((sizeMb * 0.85) / 3);
  const small = Math.round((sizeMb * 0.15 * 1024) / 4);
  const chunk = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + (i >> 12)) & 0xff;
  mkdirSync(join(tree, 'usr/share/big'), { recursive: true });
  for (let i = 0; i < big; i++) {
    chunk.writeUInt32LE(i, 0);
    writeFileSync(join(tree, 'usr/share/big', `f${i}.bin`), chunk);
  }
  const page = Buffer.alloc(4096, 0x61);
  for (let i = 0; i < small; i++) {
    const d = join(tree, 'usr/lib', `d${i % 200}`);
    if (i < 200) mkdirSync(d, { recursive: true });
    page.writeUInt32LE(i, 0);
    writeFileSync(join(d, `s${i}.txt`), page);
  }
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc/hostname'), 'bench\n');
  symlinkSync('../usr/share/big/f0.bin', join(tree, 'etc/link'));
  mkdirSync(join(tree, 'boot/efi/EFI/BOOT'), { recursive: true });
  writeFileSync(join(tree, 'boot/efi/EFI/BOOT/BOOTX64.EFI'), Buffer.alloc(1024 * 1024, 0x45));
  return { files: big + small + 2 };
}

function time(cmd, args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return s;
}
const allocMiB = (f) => (statSync(f).blocks * 512) / 2 ** 20;

function bench(name, fn, out) {
  fn(); // warm-up (page cache, node startup)
  const t = [];
  for (let i = 0; i < runs; i++) {
    if (out) rmSync(out, { force: true });
    t.push(fn());
  }
  t.sort((a, b) => a - b);
  return { name, min: t[0], median: t[Math.floor(t.length / 2)], alloc: out ? allocMiB(out) : NaN };
}

try {
  const { files } = makeTree();
  const du = spawnSync('du', ['-s', '-k', tree], { encoding: 'utf8' }).stdout.split('\t')[0];
  const img = join(work, 'disk.raw');
  const fsImg = join(work, 'fs.raw');
  const kiln = join(REPO, 'bin/kiln');
  const env = { SOURCE_DATE_EPOCH: '1700000000', E2FSPROGS_FAKE_TIME: '1700000000' };
  const rows = [
    bench(
      'floor: `mke2fs -t ext4 -d tree fs.raw 2030M` (bare file)',
      () => {
        spawnSync('truncate', ['-s', '2030M', fsImg]);
        return time('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', 'nodiscard', '-d', tree, fsImg], env);
      },
      fsImg,
    ),
    bench(
      '`kiln block-device create` block-device/gpt.yaml, 2 GiB (BSP + ext4 root)',
      () =>
        time(
          kiln,
          ['block-device', 'create', '--quiet', '--config', join(REPO, 'block-device/gpt.yaml'), '--root', tree, '--output', img, '--image-size', '2'],
          env,
        ),
      img,
    ),
    bench(
      '`kiln block-device create` block-device/efi.yaml, 2.5 GiB (550 MiB ESP + ext4 root, tree split)',
      () =>
        time(
          kiln,
          ['block-device', 'create', '--quiet', '--config', join(REPO, 'block-device/efi.yaml'), '--root', tree, '--output', img, '--image-size', '2.5'],
          env,
        ),
      img,
    ),
    bench(
      'plan only: measure the tree (du as tree root) + planBlockDevice',
      () =>
        time(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `import { planFromArgs } from ${JSON.stringify(join(REPO, 'dist/src/cli/commands/plan-block-device.js'))};
await planFromArgs({ config: ${JSON.stringify(join(REPO, 'block-device/gpt.yaml'))}, root: ${JSON.stringify(tree)} });`,
          ],
          env,
        ),
      null,
    ),
  ];
  console.log(`tree: ${files} files, ${(Number(du) / 1024).toFixed(0)} MiB (du); runs: ${runs} (+1 warm-up); uid ${process.getuid?.()}`);
  console.log('| what | min s | median s | allocated MiB |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.min.toFixed(2)} | ${r.median.toFixed(2)} | ${Number.isNaN(r.alloc) ? '-' : r.alloc.toFixed(0)} |`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
