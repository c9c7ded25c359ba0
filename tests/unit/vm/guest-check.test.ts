import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { resolveArch } from '../../../src/arch/index.js';
import { formatGrubCfg } from '../../../src/bootloader/grub-cfg.js';
import { parseGrubCfg } from '../../../src/vm/boot-files.js';
import {
  CHECK_PORT,
  checkCmdline,
  checkScript,
  CMDLINE_MAX,
  describeStatus,
  endMarker,
  formatCheckFailures,
  launcher,
  parseCheckResults,
  shQuote,
} from '../../../src/vm/guest-check.js';
import { planQemuArgs } from '../../../src/vm/qemu-args.js';

const NONCE = '0123456789abcdef';
const value = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

/** The script the launcher carries, decoded as the guest does (base64 -d | gunzip). */
function carried(line: string): string {
  const b64 = /echo ([A-Za-z0-9+/=]+)\|base64 -d\|gunzip/.exec(line)?.[1];
  assert.ok(b64, line);
  return gunzipSync(Buffer.from(b64, 'base64')).toString();
}

describe('boot-test --check: the guest script and its kernel command line', () => {
  it('shQuote: sh reads back exactly the words given', () => {
    for (const s of ["it's", 'a "b" $HOME `x` \\ ;|&', "''", 'line\nbreak', '']) {
      const r = spawnSync('sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' });
      assert.equal(r.stdout, s);
    }
  });
  it('the script runs each check in order with the timeout, on the named port, and ends with the marker', () => {
    const s = checkScript(['systemctl is-system-running --wait', "echo 'quoted' $HOME"], 42, NONCE);
    assert.match(s, new RegExp(`= ${CHECK_PORT} \\]`));
    assert.match(s, /timeout -k 5 42 sh -c "\$1"/);
    assert.ok(s.indexOf('timeout 600 systemctl is-system-running --wait') < s.indexOf('\ncheck '), 'the boot finishes first');
    const checks = s.split('\n').filter((l) => l.startsWith('check '));
    assert.deepEqual(checks, ["check 'systemctl is-system-running --wait'", "check 'echo '\\''quoted'\\'' $HOME'"]);
    assert.ok(s.includes(`echo ${endMarker(NONCE)} >>/dev/console`));
    assert.equal(spawnSync('sh', ['-n', '-c', s]).status, 0, 'valid sh');
    assert.throws(() => checkScript([], 1, 'not hex'));
  });
  it('the launcher carries the script gzipped in base64, with nothing systemd would expand or split', () => {
    const script = checkScript(['echo "$PATH" 100% ; true'], 300, NONCE);
    const l = launcher(script);
    assert.equal(carried(l), script);
    assert.match(l, /^\/bin\/sh -c '.*'$/);
    assert.doesNotMatch(l, /[$%";\\]/, 'no $, %, ", ; or backslash: the unit-file parser would read them');
    assert.match(l, /systemd-run --no-block --unit=kiln-checks --property=Type=exec \/bin\/sh \/run\/kiln-checks\.sh/);
  });
  it("the command line: the image's own, then the default target, systemd.wants and systemd.run", () => {
    const c = checkCmdline('root=UUID=abc ro console=ttyS0,115200', checkScript(['true'], 300, NONCE), 'multi-user.target');
    assert.ok(
      c.startsWith('root=UUID=abc ro console=ttyS0,115200 systemd.unit=multi-user.target systemd.wants=kernel-command-line.service systemd.run="/bin/sh -c '),
    );
    assert.ok(c.endsWith('" systemd.run_success_action=none systemd.run_failure_action=none'));
    assert.ok(c.length < CMDLINE_MAX);
  });
  it('checks too long for the kernel command line are refused, not cut short', () => {
    const random = randomBytes(2000).toString('hex'); // does not compress below the limit
    assert.throws(
      () => checkCmdline('ro', checkScript([random], 300, NONCE), 'multi-user.target'),
      /do not fit on the kernel command line \(\d+ bytes, the kernel takes 2047\)/,
    );
  });
});

describe('boot-test --check: the results', () => {
  const enc = (s: string) => Buffer.from(s).toString('base64');
  const line = (rest: string, nonce = NONCE) => `KILN-CHECK ${nonce} ${rest}`;
  it('parses status and base64 output per check; ignores other nonces and noise, also mid-line', () => {
    const out2 = enc('degraded\n● foo.service failed\n');
    const text = [
      '[    3.1] random kernel line',
      line('begin /dev/vport1p1'),
      line('booted degraded'),
      line('start 1'),
      line('status 1 0'),
      line(`out 1 ${enc('running\n')}`),
      line('start 2'),
      `[ 5.0] noise ${line('status 2 1')}`,
      line(`out 2 ${out2.slice(0, 8)}`),
      line(`out 2 ${out2.slice(8)}`),
      line('status 2 0', 'ffffffffffffffff'),
      line('start 3'),
    ].join('\r\n');
    const r = parseCheckResults(text, NONCE, ['a', 'b', 'c']);
    assert.equal(r.begun, true);
    assert.equal(r.done, false);
    assert.equal(r.port, '/dev/vport1p1');
    assert.equal(r.state, 'degraded');
    assert.deepEqual(
      r.results.map((x) => [x.command, x.status, x.output, x.started]),
      [
        ['a', 0, 'running', true],
        ['b', 1, 'degraded\n● foo.service failed', true],
        ['c', undefined, '', true],
      ],
    );
    assert.equal(describeStatus(r.results[2]!, 300), 'did not finish (the run ended first)');
    assert.equal(describeStatus({ command: 'x', status: 124, output: '', started: true }, 9), 'timed out after 9 s (--check-timeout)');
    const msg = formatCheckFailures(r, 300);
    assert.match(msg, /check failed: b: exit status 1\n {4}\| degraded\n {4}\| ● foo\.service failed/);
    assert.match(msg, /check failed: c: did not finish/);
    assert.doesNotMatch(msg, /check failed: a/);
  });
  it('nothing from the guest: not begun', () => {
    const r = parseCheckResults('login:', NONCE, ['a']);
    assert.equal(r.begun, false);
    assert.deepEqual(
      r.results.map((x) => x.started),
      [false],
    );
  });
});

describe('boot-test --check: QEMU and grub.cfg', () => {
  it('direct kernel boot and the check port', () => {
    const a = planQemuArgs({
      arch: resolveArch('amd64'),
      image: '/d.qcow2',
      format: 'qcow2',
      accel: 'tcg',
      memoryMiB: 1024,
      cpus: 2,
      kernel: { path: '/t/vmlinuz', initrd: '/t/initrd', cmdline: 'root=UUID=x ro' },
      checkPort: '/t/a,b.out',
    });
    assert.deepEqual(value(a, '-kernel'), ['/t/vmlinuz']);
    assert.deepEqual(value(a, '-initrd'), ['/t/initrd']);
    assert.deepEqual(value(a, '-append'), ['root=UUID=x ro']);
    assert.deepEqual(value(a, '-chardev'), ['file,id=kilnchecks,path=/t/a,,b.out']);
    assert.deepEqual(value(a, '-device'), ['virtio-serial-pci,id=kilnserial', `virtserialport,bus=kilnserial.0,chardev=kilnchecks,name=${CHECK_PORT}`]);
    assert.deepEqual(value(a, '-drive'), ['file=/d.qcow2,format=qcow2,if=virtio,snapshot=on'], 'the disk is never written');
  });
  it("reads Kiln's own grub.cfg", () => {
    const cfg = formatGrubCfg({ kernel: '/boot/vmlinuz-6.1.0-9-amd64', initrd: '/boot/initrd.img-6.1.0-9-amd64', rootUuid: 'u-1', bootFsUuid: 'b-2' });
    const e = parseGrubCfg(cfg, 'grub.cfg');
    assert.equal(e.kernel, '/boot/vmlinuz-6.1.0-9-amd64');
    assert.deepEqual(e.initrds, ['/boot/initrd.img-6.1.0-9-amd64']);
    assert.equal(e.args, 'root=UUID=u-1 ro console=tty0 console=ttyS0,115200 no_timer_check nofb nomodeset gfxpayload=text');
    assert.deepEqual(e.search, { by: 'uuid', value: 'b-2' });
  });
  it('grub-mkconfig style: set default, quoted titles, device prefixes, several initrds, a submenu after', () => {
    const cfg = `set default="1"
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-x' {
	load_video
	insmod gzio
	search --no-floppy --fs-uuid --set=root 1111-2222
	linux	/vmlinuz-6.1 root=UUID=aaa ro quiet
	initrd	/initrd.img-6.1
}
menuentry "Second" {
	search --no-floppy --label --set=root BOOT
	linuxefi (hd0,gpt2)/vmlinuz-6.2 root=LABEL=r ro
	initrdefi /intel-ucode.img /initrd-6.2
}
submenu 'Advanced options' {
	menuentry 'x' {
		linux /other
	}
}
`;
    const e = parseGrubCfg(cfg, 'grub.cfg');
    assert.equal(e.title, 'Second');
    assert.equal(e.kernel, '/vmlinuz-6.2');
    assert.deepEqual(e.initrds, ['/intel-ucode.img', '/initrd-6.2']);
    assert.deepEqual(e.search, { by: 'label', value: 'BOOT' });
    const first = parseGrubCfg(cfg.replace('set default="1"', ''), 'grub.cfg');
    assert.equal(first.args, 'root=UUID=aaa ro quiet');
    assert.throws(() => parseGrubCfg('menuentry x {\n linux /v root=$root\n}\n', 'g.cfg'), /uses GRUB variables/);
    assert.throws(() => parseGrubCfg('set timeout=0\n', 'g.cfg'), /g\.cfg: no menu entry with a linux line/);
  });
});

describe('boot-test --check: the guest script, run by sh on the host with stand-ins for the guest', () => {
  /** A guest stand-in: a virtio port (a file), a console (a file), systemctl recording its calls. */
  function guest(opts: { port: boolean }) {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-guest-script-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    mkdirSync(join(dir, 'ports', 'vport1p1'), { recursive: true });
    mkdirSync(join(dir, 'dev'));
    writeFileSync(join(dir, 'ports', 'vport1p1', 'name'), opts.port ? `${CHECK_PORT}\n` : 'org.other\n');
    writeFileSync(join(dir, 'dev', 'vport1p1'), '');
    writeFileSync(join(dir, 'console'), '');
    const fake = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    fake('systemctl', `echo "$*" >> ${join(dir, 'systemctl.calls')}\n[ "$1" = is-system-running ] && echo degraded\nexit 0`);
    fake('modprobe', 'exit 1');
    fake('udevadm', 'exit 0');
    fake('sleep', `[ "$1" -le 2 ] && exec /bin/sleep "$1"; exit 0`);
    const paths = { path: `${bin}:/usr/bin:/bin`, portsDir: join(dir, 'ports'), devDir: join(dir, 'dev'), console: join(dir, 'console') };
    return { dir, paths, read: (f: string) => readFileSync(join(dir, f), 'utf8') };
  }

  it('runs each check, reports status and output (any bytes, quotes, many lines), then the marker and poweroff', () => {
    const g = guest({ port: true });
    try {
      const checks = [
        'echo "it\'s $HOME"; exit 0',
        "printf 'line %s\\n' 1 2 3 >&2; exit 4",
        'sleep 2',
        'head -c 300 /dev/urandom | base64 -w0 >/dev/null; cat; echo read-nothing',
      ];
      const script = checkScript(checks, 1, NONCE, 5, g.paths);
      const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const report = parseCheckResults(g.read('dev/vport1p1'), NONCE, checks);
      assert.equal(report.begun, true);
      assert.equal(report.done, true);
      assert.equal(report.port, join(g.dir, 'dev', 'vport1p1'));
      assert.equal(report.state, 'degraded');
      assert.deepEqual(
        report.results.map((x) => [x.status, x.output]),
        [
          [0, "it's /root"],
          [4, 'line 1\nline 2\nline 3'],
          [124, ''],
          [0, 'read-nothing'],
        ],
      );
      assert.equal(describeStatus(report.results[2]!, 1), 'timed out after 1 s (--check-timeout)');
      assert.equal(g.read('console'), `${endMarker(NONCE)}\n`, 'only the marker on the console');
      assert.deepEqual(g.read('systemctl.calls').trim().split('\n'), ['is-system-running --wait', 'is-system-running', 'poweroff --no-block']);
    } finally {
      rmSync(g.dir, { recursive: true, force: true });
    }
  });
  it('without its virtio port the results go to the console, where the host reads them too', () => {
    const g = guest({ port: false });
    try {
      const r = spawnSync('sh', ['-c', checkScript(['echo hi'], 5, NONCE, 5, g.paths)], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const report = parseCheckResults(g.read('console'), NONCE, ['echo hi']);
      assert.equal(report.port, join(g.dir, 'console'));
      assert.deepEqual(
        report.results.map((x) => [x.status, x.output]),
        [[0, 'hi']],
      );
    } finally {
      rmSync(g.dir, { recursive: true, force: true });
    }
  });
});
