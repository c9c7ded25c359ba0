/**
 * DIB's YAML build files (the `diskimage-builder` command): a list of image definitions, each a
 * map whose keys are disk-image-create's options. This module reads and checks them and turns
 * each image into the disk-image-create command line it stands for; build-file-run.ts runs them.
 *
 * The keys, their types and their order on the command line are diskimage-builder's
 * (diskimage_builder/diskimage_builder.py, PROPERTIES and DIB_SCHEMA), and so is the merging:
 * an entry without `imagename` continues the one before it (the first one is `image`), an entry
 * that repeats an imagename is merged into the first: lists are appended, maps updated, other
 * values replaced. The differences: every problem is reported with its file:line, all of them at
 * once; `types` takes every type Kiln writes (checked with the rest of the command line); and a
 * `ramdisk: true` image is refused (Kiln has no ramdisk-image-create yet).
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { didYouMean } from '../elements/suggest.js';
import { isKilnError, KilnError, throwIfProblems } from '../errors.js';

type Kind =
  | { t: 'string'; enum?: readonly string[] }
  | { t: 'int'; min?: number; enum?: readonly number[] }
  | { t: 'bool' }
  | { t: 'list'; enum?: readonly string[] }
  | { t: 'map' };

/** How a key becomes arguments (DIB's Arg classes). */
type Render = 'value' | 'flag' | 'repeat' | 'comma' | 'positional' | 'kv' | 'none' | 'env';

interface Property {
  key: string;
  kind: Kind;
  render: Render;
  /** the option (DIB: --KEY unless given) */
  arg?: string;
  help: string;
}

const p = (key: string, kind: Kind, render: Render, help: string, arg?: string): Property => ({ key, kind, render, help, ...(arg ? { arg } : {}) });

/** DIB's PROPERTIES, in its order (the order of the arguments on the command line). */
export const PROPERTIES: readonly Property[] = [
  p('imagename', { t: 'string' }, 'value', 'The output name (-o); entries without one continue the one before.', '-o'),
  p(
    'arch',
    { t: 'string', enum: ['aarch64', 'amd64', 'arm64', 'armhf', 'powerpc', 'ppc64', 'ppc64el', 'ppc64le', 's390x', 'x86_64'] },
    'value',
    'The architecture of the image (-a).',
    '-a',
  ),
  p('types', { t: 'list' }, 'comma', 'The output types (-t), a list.', '-t'),
  p('environment', { t: 'map' }, 'env', 'Environment variables of the build (a map of strings).'),
  p('ramdisk', { t: 'bool' }, 'none', 'Build a ramdisk image (not supported by Kiln yet).'),
  p('debug-trace', { t: 'int', enum: [0, 1, 2] }, 'repeat', 'Tracing level, 0 to 2 (-x, repeated).', '-x'),
  p('uncompressed', { t: 'bool' }, 'flag', 'Do not compress the qcow2 image (-u).', '-u'),
  p('clear', { t: 'bool' }, 'flag', 'Clear the environment before the build (-c).', '-c'),
  p('logfile', { t: 'string' }, 'value', 'Save the build output to this file.'),
  p('checksum', { t: 'bool' }, 'flag', 'Write md5 and sha256 checksum files beside the outputs.'),
  p('image-size', { t: 'int', min: 1 }, 'value', 'Image size in GB.'),
  p('image-extra-size', { t: 'int', min: 1 }, 'value', 'Extra image size.'),
  p('image-cache', { t: 'string' }, 'value', 'Where cached images are kept.'),
  p('max-online-resize', { t: 'int', min: 1 }, 'value', 'Max number of filesystem blocks to support when resizing.'),
  p('min-tmpfs', { t: 'int', min: 1 }, 'value', 'Minimum tmpfs size in GB (Kiln uses no tmpfs).'),
  p('mkfs-journal-size', { t: 'int', min: 1 }, 'value', 'Root filesystem journal size in MB.'),
  p('mkfs-options', { t: 'string' }, 'value', 'Options passed to mkfs.'),
  p('no-tmpfs', { t: 'bool' }, 'flag', 'Do not use a tmpfs (Kiln never does).'),
  p('offline', { t: 'bool' }, 'flag', 'Do not update cached resources.'),
  p('qemu-img-options', { t: 'map' }, 'kv', 'Options passed to qemu-img, a map (KEY: VALUE).'),
  p('root-label', { t: 'string' }, 'value', 'Label of the root filesystem.'),
  p('ramdisk-element', { t: 'string' }, 'value', 'The main element of a ramdisk build.'),
  p('install-type', { t: 'string', enum: ['source', 'package'] }, 'value', 'The default install type.'),
  p('docker-target', { t: 'string' }, 'value', 'Repository and tag of the docker output.'),
  p('packages', { t: 'list' }, 'comma', 'Extra packages to install (-p), a list.', '-p'),
  p('skip-base', { t: 'bool' }, 'flag', "Do not add the 'base' element (-n).", '-n'),
  p('elements', { t: 'list' }, 'positional', 'The elements of the image, a list.'),
];

const BY_KEY = new Map(PROPERTIES.map((x) => [x.key, x]));

/** Keys people try that are variables, not options, in DIB's format. */
const VARIABLE_KEYS: Record<string, string> = {
  release: 'DIB_RELEASE',
  debug: 'KILN_DEBUG',
  mirror: 'DIB_DISTRIBUTION_MIRROR',
  'elements-path': 'ELEMENTS_PATH',
};

/** One image of a build file, merged, as disk-image-create arguments. */
export interface BuildFileImage {
  /** the imagename (DIB's default: image) */
  name: string;
  /** the disk-image-create arguments, in DIB's order */
  args: string[];
  /** the entry's environment (added to the build's own) */
  environment: Record<string, string>;
  /** file:line of the image's first entry */
  where: string;
  /** the merged entry */
  entry: Record<string, unknown>;
  /** file:line of each key, as last given (for errors found later, e.g. a bad type) */
  keyWhere: Record<string, string>;
}

interface Located {
  entry: Record<string, unknown>;
  where: string;
  keyWhere: Record<string, string>;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the string '${v}'`;
  return `${typeof v === 'number' ? (Number.isInteger(v) ? 'the integer' : 'the number') : 'the boolean'} ${String(v)}`;
}

const KIND_TEXT: Record<Kind['t'], string> = {
  string: 'a string',
  int: 'an integer',
  bool: 'true or false',
  list: 'a list of strings',
  map: 'a map of strings',
};

/** Problems of one key's value (empty when it is valid). */
function checkValue(prop: Property, node: Node | null, value: unknown, where: (n: Node | null | undefined) => string): KilnError[] {
  const k = prop.kind;
  const at = where(node);
  const bad = (msg: string, hint: string) => [new KilnError(`${prop.key}: ${msg}`, { where: at, hint })];
  const want = KIND_TEXT[k.t];
  switch (k.t) {
    case 'string':
      if (typeof value !== 'string') return bad(`expected ${want}, got ${describe(value)}`, `quote the value: ${prop.key}: '${value ?? ''}'`);
      if (k.enum && !k.enum.includes(value)) return bad(`'${value}' is not one of ${k.enum.join(', ')}`, `use one of: ${k.enum.join(', ')}`);
      return [];
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return bad(`expected ${want}, got ${describe(value)}`, `write a whole number without quotes, e.g. ${prop.key}: ${k.min ?? 1}`);
      if (k.enum && !k.enum.includes(value)) return bad(`${value} is not one of ${k.enum.join(', ')}`, `use one of: ${k.enum.join(', ')}`);
      if (k.min !== undefined && value < k.min) return bad(`${value} is less than ${k.min}`, `give ${prop.key} a value of ${k.min} or more`);
      return [];
    case 'bool':
      if (typeof value !== 'boolean') return bad(`expected ${want}, got ${describe(value)}`, `write ${prop.key}: true or ${prop.key}: false`);
      return [];
    case 'list': {
      if (!Array.isArray(value)) {
        const example =
          typeof value === 'string'
            ? `[${value
                .split(/[\s,]+/)
                .filter(Boolean)
                .join(', ')}]`
            : '[a, b]';
        return bad(`expected ${want}, got ${describe(value)}`, `write a YAML list, e.g. ${prop.key}: ${example}`);
      }
      const items = isSeq(node) ? node.items : [];
      return value.flatMap((v, i) =>
        typeof v === 'string'
          ? []
          : [
              new KilnError(`${prop.key}[${i}]: expected a string, got ${describe(v)}`, {
                where: where((items[i] as Node | undefined) ?? node),
                hint: `quote it: '${v ?? ''}'`,
              }),
            ],
      );
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return bad(`expected ${want}, got ${describe(value)}`, `write a YAML map, e.g. ${prop.key}: {KEY: 'value'}`);
      const pairs = isMap(node) ? (node.items as Pair<Node, Node>[]) : [];
      return Object.entries(value as Record<string, unknown>).flatMap(([name, v]) => {
        if (typeof v === 'string') return [];
        const pair = pairs.find((x) => isScalar(x.key) && String(x.key.value) === name);
        return [
          new KilnError(`${prop.key}: ${name}: expected a string, got ${describe(v)}`, {
            where: where((pair?.value as Node | undefined) ?? node),
            hint: `quote the value, as DIB requires: ${name}: '${v ?? ''}'`,
          }),
        ];
      });
    }
  }
}

/** Read one build file: its entries with their places, or the problems found. */
function readEntries(file: string, text: string, problems: KilnError[]): Located[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const where = (n: Node | null | undefined) => `${file}:${n?.range ? lines.linePos(n.range[0]).line : 1}`;
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push(
        new KilnError(`not valid YAML: ${e.message.split('\n')[0]}`, { where: `${file}:${e.linePos?.[0].line ?? 1}`, hint: 'fix the YAML syntax' }),
      );
    }
    return [];
  }
  const root = doc.contents;
  if (!isSeq(root)) {
    problems.push(
      new KilnError(`a build file is a list of images; this one is ${describe(doc.toJS())}`, {
        where: where(root),
        hint: "start each image with '- imagename: NAME' (a YAML list of maps)",
      }),
    );
    return [];
  }
  const out: Located[] = [];
  for (const item of root.items as Node[]) {
    if (!isMap(item)) {
      problems.push(
        new KilnError(`an image is a map of options; got ${describe((item as Node & { toJSON(): unknown }).toJSON?.())}`, {
          where: where(item),
          hint: 'e.g. - imagename: NAME\\n  elements: [ELEMENT]',
        }),
      );
      continue;
    }
    const entry: Record<string, unknown> = {};
    const keyWhere: Record<string, string> = {};
    for (const pair of (item as YAMLMap<Node, Node>).items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const prop = BY_KEY.get(key);
      if (!prop) {
        // a variable (DIB_RELEASE) or a setting DIB reads from one (release, debug): environment's
        const variable = /^[A-Z_][A-Z0-9_]*$/.test(key) ? key : VARIABLE_KEYS[key];
        problems.push(
          new KilnError(`unknown key '${key}'${didYouMean(key, BY_KEY.keys())}`, {
            where: where(keyNode),
            hint: variable
              ? `variables go in environment: environment: {${variable}: '...'}`
              : `the keys are disk-image-create's options: ${PROPERTIES.map((x) => x.key).join(', ')} (diskimage-builder --help)`,
          }),
        );
        continue;
      }
      const valueNode = (pair.value as Node | null) ?? null;
      const value = valueNode && 'toJSON' in valueNode ? (valueNode as Node & { toJSON(): unknown }).toJSON() : null;
      const bad = checkValue(prop, valueNode ?? keyNode, value, (n) => where(n ?? keyNode));
      problems.push(...bad);
      if (bad.length === 0) {
        entry[key] = value;
        keyWhere[key] = where(keyNode);
      }
    }
    out.push({ entry, where: where(item), keyWhere });
  }
  return out;
}

/** DIB's merge_entry: lists appended, maps updated, other values replaced. */
function mergeEntry(into: Located, from: Located): void {
  for (const [k, v] of Object.entries(from.entry)) {
    if (Array.isArray(v)) into.entry[k] = [...((into.entry[k] as unknown[] | undefined) ?? []), ...v];
    else if (v !== null && typeof v === 'object') into.entry[k] = { ...((into.entry[k] as object | undefined) ?? {}), ...v };
    else into.entry[k] = v;
  }
  Object.assign(into.keyWhere, from.keyWhere);
}

/** An entry's disk-image-create arguments, as DIB's Command builds them. */
export function entryArgs(entry: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const prop of PROPERTIES) {
    if (!(prop.key in entry)) continue;
    const v = entry[prop.key];
    const arg = prop.arg ?? `--${prop.key}`;
    switch (prop.render) {
      case 'value':
        if (v !== '' && v !== null && v !== undefined) args.push(arg, String(v));
        break;
      case 'flag':
        if (v) args.push(arg);
        break;
      case 'repeat':
        for (let i = 0; i < (v as number); i++) args.push(arg);
        break;
      case 'comma':
        if ((v as string[]).length > 0) args.push(arg, (v as string[]).join(','));
        break;
      case 'kv': {
        const kv = Object.entries(v as Record<string, string>).map(([a, b]) => `${a}=${b}`);
        if (kv.length > 0) args.push(arg, kv.join(','));
        break;
      }
      case 'positional':
        args.push(...(v as string[]));
        break;
      case 'none':
      case 'env':
        break;
    }
  }
  return args;
}

/**
 * Read and check build files (their entries are concatenated, as DIB does), merge repeated
 * images and return each image's arguments. Every problem of every file is reported at once.
 */
export function readBuildFiles(files: string[], read: (f: string) => string = (f) => readFileSync(f, 'utf8')): BuildFileImage[] {
  const problems: KilnError[] = [];
  const entries: Located[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      problems.push(
        new KilnError(`cannot read the build file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
          where: file,
          hint: 'give the path of a YAML build file',
        }),
      );
      continue;
    }
    const found = readEntries(file, text, problems);
    if (found.length === 0 && !problems.some((x) => x.where?.startsWith(`${file}:`))) {
      problems.push(new KilnError('the build file has no images', { where: `${file}:1`, hint: "add one: '- imagename: NAME' with its elements" }));
    }
    entries.push(...found);
  }
  throwIfProblems('the build files have problems', problems);

  let previous = 'image';
  const merged = new Map<string, Located>();
  for (const e of entries) {
    const name = typeof e.entry.imagename === 'string' ? e.entry.imagename : previous;
    previous = name;
    const first = merged.get(name);
    if (first) mergeEntry(first, e);
    else merged.set(name, { entry: { ...e.entry }, where: e.where, keyWhere: { ...e.keyWhere } });
  }
  const images: BuildFileImage[] = [];
  for (const [name, e] of merged) {
    if (e.entry.ramdisk === true) {
      problems.push(
        new KilnError(`image ${name}: ramdisk images are not supported yet`, {
          where: e.keyWhere.ramdisk ?? e.where,
          hint: 'leave ramdisk out to build a disk image, or build this one with DIB',
        }),
      );
    }
    if (!Array.isArray(e.entry.elements) || e.entry.elements.length === 0) {
      problems.push(
        new KilnError(`image ${name}: no elements`, { where: e.where, hint: 'add elements: [DISTRO-ELEMENT, ...], e.g. elements: [debian-minimal, vm]' }),
      );
    }
    images.push({
      name,
      args: entryArgs(e.entry),
      environment: { ...((e.entry.environment as Record<string, string> | undefined) ?? {}) },
      where: e.where,
      entry: e.entry,
      keyWhere: e.keyWhere,
    });
  }
  throwIfProblems('the build files have problems', problems);
  return images;
}

/** A problem found in an image's command line or plan, placed at the image (or the key it names). */
export function placeProblem(image: BuildFileImage, e: unknown): unknown {
  if (!isKilnError(e)) return e;
  const text = `${e.where ?? ''} ${e.message}`;
  // the option the message names (--image-size, -t ...), back to its key
  const names = (x: Property) => new RegExp(`(^|[\\s'"(])${x.arg ?? `--${x.key}`}($|[\\s'"=:),])`);
  const prop = PROPERTIES.find((x) => image.keyWhere[x.key] && names(x).test(text));
  const where = (prop && image.keyWhere[prop.key]) ?? image.where;
  const message = `image ${image.name}: ${e.where ? `${e.where}: ` : ''}${e.message}`;
  // a usage error of the command line is the build file's problem: exit 1, as any problem of the file
  return new KilnError(message, { where, ...(e.hint !== undefined ? { hint: e.hint } : {}), cause: e });
}

/** `diskimage-builder --help`: every key, its type and what it does. */
export function propertiesHelp(): string {
  return PROPERTIES.map((x) => `  ${x.key.padEnd(18)} ${KIND_TEXT[x.kind.t].padEnd(18)} ${x.help}`).join('\n');
}
