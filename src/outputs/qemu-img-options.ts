/**
 * --qemu-img-options / QEMU_IMG_OPTIONS, checked before the build: the value goes to every
 * `qemu-img convert` as `-o VALUE` (as in DIB), so it must be QemuOpts syntax (key=value items
 * separated by commas, ',,' for a literal comma) and every key must be a create option of each
 * requested disk format. Values are left to qemu-img.
 */
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';

const WHERE = '--qemu-img-options';

/** The keys of a QemuOpts string, or the syntax problems. Pure. */
export function parseQemuImgOptions(text: string): { keys: string[]; problems: KilnError[] } {
  const items: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ',') {
      cur += text[i];
    } else if (text[i + 1] === ',') {
      cur += ',';
      i++;
    } else {
      items.push(cur);
      cur = '';
    }
  }
  items.push(cur);
  const keys: string[] = [];
  const problems: KilnError[] = [];
  const hint = "give key=value items separated by commas, e.g. --qemu-img-options 'compat=1.1,lazy_refcounts=on'";
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (item.trim() === '') problems.push(new KilnError(`'${text}' has an empty item`, { where: WHERE, hint }));
    else if (eq < 0) problems.push(new KilnError(`'${item}' is not key=value`, { where: WHERE, hint }));
    else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key)) problems.push(new KilnError(`'${key}' is not an option name`, { where: WHERE, hint }));
    else keys.push(key);
  }
  return { keys, problems };
}

const known = new Map<string, Promise<string[] | undefined>>();

/** The create options of a qemu-img driver, from `qemu-img create -f FMT -o help` (once per process). */
export function qemuImgCreateOptions(runner: Runner, qemuFormat: string): Promise<string[] | undefined> {
  let p = known.get(qemuFormat);
  if (!p) {
    p = (async () => {
      // a file name makes qemu-img list the file protocol's options too; `-o help` never creates it
      try {
        const r = await runner.run('qemu-img', ['create', '-f', qemuFormat, '-o', 'help', `kiln-probe.${qemuFormat}`], { timeoutMs: 30_000 });
        const names = [...r.stdout.matchAll(/^\s+([A-Za-z0-9_.-]+)=/gm)].map((m) => m[1]!);
        return names.length > 0 ? names : undefined;
      } catch {
        return undefined;
      }
    })();
    known.set(qemuFormat, p);
  }
  return p;
}

/** Every problem with `text` for the given outputs ({name: 'vhd', qemuFormat: 'vpc'}, ...). */
export async function checkQemuImgOptions(runner: Runner, text: string, outputs: { name: string; qemuFormat: string }[]): Promise<KilnError[]> {
  const { keys, problems } = parseQemuImgOptions(text);
  if (problems.length > 0) return problems;
  for (const o of outputs) {
    const names = await qemuImgCreateOptions(runner, o.qemuFormat);
    if (!names) continue; // an old or odd qemu-img: leave the options to the conversion
    const unknown = keys.filter((k) => !names.includes(k));
    if (unknown.length > 0) {
      problems.push(
        new KilnError(
          `${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length > 1 ? 'are not options' : 'is not an option'} of qemu-img for ${o.name} output`,
          {
            where: WHERE,
            hint: `${o.name} takes: ${names.join(', ')}`,
          },
        ),
      );
    }
  }
  return problems;
}
