/**
 * parseContainerfile: the Containerfile (Dockerfile) subset Kiln builds a root tree from, as pure
 * data. One stage: FROM (or FROM scratch), then RUN lines that run in the tree's sandbox; ARG, ENV,
 * WORKDIR, USER and SHELL shape those RUN lines; instructions that only describe a container (CMD,
 * LABEL, EXPOSE, ...) do not change the tree and are listed as ignored. Anything else that would
 * change the tree (COPY, ADD, a second FROM, heredocs, RUN --mount) is a KilnError naming file:line.
 * Syntax per the Dockerfile reference: backslash line continuation, `#` comment lines, JSON exec form.
 */
import { KilnError } from '../errors.js';

/** One instruction as written: its keyword (upper case), its arguments (continuations joined) and line. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions that only set a container's metadata: the root tree is the same without them. */
const METADATA = new Set(['CMD', 'ENTRYPOINT', 'LABEL', 'MAINTAINER', 'EXPOSE', 'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD']);
const SHAPING = new Set(['FROM', 'RUN', 'ARG', 'ENV', 'WORKDIR', 'USER', 'SHELL']);
const CHANGES_TREE: Record<string, string> = {
  COPY: 'COPY changes the tree from a build context, which Kiln does not support',
  ADD: 'ADD changes the tree from a build context or URL, which Kiln does not support',
};

const HINT = 'Kiln builds from FROM plus RUN lines (with ARG, ENV, WORKDIR, USER, SHELL); put files in the tree with an element hook instead';

export function containerfileError(file: string, line: number, message: string, hint = HINT): KilnError {
  return new KilnError(message, { where: `${file}:${line}`, hint });
}

/** Split the text into instructions: comments and blank lines dropped, continuations joined. */
export function splitInstructions(text: string, file: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  let directives = true;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    const trimmed = raw.trim();
    if (directives) {
      const d = /^#\s*([a-zA-Z]+)\s*=\s*(.*)$/.exec(trimmed);
      if (d) {
        const name = d[1]!.toLowerCase();
        if (name === 'escape' && d[2]!.trim() !== '\\')
          throw containerfileError(file, n, `parser directive escape=${d[2]!.trim()} is not supported`, "use the default escape character '\\'");
        continue;
      }
      directives = false;
    }
    if (trimmed.startsWith('#')) continue;
    if (trimmed === '' && !pending) continue;
    const continued = /\\\s*$/.test(raw);
    const body = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (pending) pending.parts.push(body);
    else pending = { parts: [body], line: n };
    if (continued && i < lines.length - 1) continue;
    const joined = pending.parts.join('').trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(joined);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: pending.line });
    pending = undefined;
  }
  return out;
}

/** A parsed Containerfile: its base image and the instructions after it, checked. */
export interface ParsedContainerfile {
  file: string;
  /** ARG lines before FROM: only FROM may use them */
  globalArgs: { name: string; default?: string; line: number }[];
  from: { ref: string; line: number; platform?: string };
  /** FROM's arguments as written, before substitution */
  fromRaw: string;
  body: Instruction[];
  /** metadata-only instructions, which Kiln leaves out */
  ignored: Instruction[];
}

export function parseContainerfile(text: string, file: string): ParsedContainerfile {
  const all = splitInstructions(text, file);
  const globalArgs: ParsedContainerfile['globalArgs'] = [];
  let from: Instruction | undefined;
  const body: Instruction[] = [];
  const ignored: Instruction[] = [];
  for (const ins of all) {
    const why = CHANGES_TREE[ins.keyword];
    if (why) throw containerfileError(file, ins.line, why);
    if (!SHAPING.has(ins.keyword) && !METADATA.has(ins.keyword)) {
      throw containerfileError(file, ins.line, `unknown instruction ${ins.keyword}`);
    }
    if (!from) {
      if (ins.keyword === 'ARG') {
        globalArgs.push({ ...parseArg(ins, file), line: ins.line });
        continue;
      }
      if (ins.keyword !== 'FROM')
        throw containerfileError(file, ins.line, `${ins.keyword} before FROM`, 'a Containerfile starts with FROM (only ARG may come before it)');
      from = ins;
      continue;
    }
    if (ins.keyword === 'FROM') {
      throw containerfileError(
        file,
        ins.line,
        'a second FROM (multi-stage builds) is not supported',
        'build from one FROM image; copy other stages in with an element hook',
      );
    }
    if (METADATA.has(ins.keyword)) ignored.push(ins);
    else {
      checkInstruction(ins, file);
      body.push(ins);
    }
  }
  if (!from) throw new KilnError('no FROM instruction', { where: file, hint: 'a Containerfile starts with FROM IMAGE' });
  return { file, globalArgs, from: parseFrom(from.args, from.line, file), fromRaw: from.args, body, ignored };
}

function parseFrom(args: string, line: number, file: string): ParsedContainerfile['from'] {
  const words = args.split(/\s+/).filter(Boolean);
  let platform: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const m = /^--platform=(.+)$/.exec(flag);
    if (!m) throw containerfileError(file, line, `FROM ${flag} is not supported`, 'FROM [--platform=P] IMAGE [AS NAME]');
    platform = m[1]!;
  }
  if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
    throw containerfileError(file, line, `FROM takes one image reference, got '${args}'`, 'FROM [--platform=P] IMAGE [AS NAME]');
  }
  return { ref: words[0]!, line, ...(platform ? { platform } : {}) };
}

function checkInstruction(ins: Instruction, file: string): void {
  if (ins.keyword === 'RUN') {
    for (const flag of ins.args
      .match(/^(--\S+\s+)+/)?.[0]
      .trim()
      .split(/\s+/) ?? []) {
      if (!/^--network=(host|default)$/.test(flag)) throw containerfileError(file, ins.line, `RUN ${flag} is not supported`);
    }
    if (/^(--\S+\s+)*<</.test(ins.args))
      throw containerfileError(file, ins.line, 'RUN with a heredoc is not supported', 'write the commands on RUN lines joined with && and \\');
    if (runCommand(ins.args) === '') throw containerfileError(file, ins.line, 'RUN without a command');
  }
  if ((ins.keyword === 'SHELL' || isExecForm(ins)) && !jsonStrings(ins.args)) {
    if (ins.keyword === 'SHELL') throw containerfileError(file, ins.line, 'SHELL needs a JSON array of strings', 'SHELL ["/bin/bash", "-c"]');
  }
  if (ins.keyword === 'WORKDIR' && ins.args === '') throw containerfileError(file, ins.line, 'WORKDIR without a path');
  if (ins.keyword === 'ENV' && ins.args === '') throw containerfileError(file, ins.line, 'ENV without a variable');
  if (ins.keyword === 'ARG') parseArg(ins, file);
}

/** RUN's command without its --flags. */
export function runCommand(args: string): string {
  return args.replace(/^(--\S+\s+)+/, '').trim();
}

function isExecForm(ins: Instruction): boolean {
  return ins.keyword === 'RUN' && runCommand(ins.args).startsWith('[');
}

/** A JSON array of strings, or undefined (then Docker takes the text as shell form). */
export function jsonStrings(text: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* not JSON */
  }
  return undefined;
}

export function parseArg(ins: Instruction, file: string): { name: string; default?: string } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args);
  if (!m) throw containerfileError(file, ins.line, `ARG needs NAME or NAME=VALUE, got '${ins.args}'`, 'ARG NAME[=DEFAULT]');
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, default: unquote(m[2]) };
}

/** Remove one level of double or single quotes around a value (as Docker's ENV/ARG do). */
export function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    const inner = v.slice(1, -1);
    return v.startsWith('"') ? inner.replace(/\\(["\\$])/g, '$1') : inner;
  }
  return v;
}
