/**
 * planContainerfile: a parsed Containerfile (containerfile.ts) turned into what Kiln runs: the image
 * reference to pull and each RUN line as an argv with its environment and working directory. Pure:
 * the base image's environment (its config's Env) is an input, so the same function gives the plan
 * `kiln plan` shows (without it) and the one the build runs (with it).
 * Variable substitution ($VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}) applies to FROM, ENV, WORKDIR and
 * USER, as in the Dockerfile reference; RUN lines are left to their shell, which gets the variables.
 */
import { posix } from 'node:path';
import { TARGET_PATH } from '../sandbox/sandbox.js';
import { containerfileError, jsonStrings, parseArg, runCommand, unquote, type Instruction, type ParsedContainerfile } from './containerfile.js';

export interface RunStep {
  line: number;
  /** the RUN line as written (continuations joined) */
  text: string;
  argv: string[];
  /** ARG and ENV values in effect (the base image's environment under them) */
  env: Record<string, string>;
  workdir: string;
}

export interface ContainerfilePlan {
  file: string;
  /** the image pulled (after substitution; DIB_CONTAINERFILE_BUILDOPTS --from replaces it) */
  ref: string;
  /** FROM scratch: an empty tree, nothing is pulled */
  scratch: boolean;
  platform?: string;
  runs: RunStep[];
  /** instructions left out because they only describe a container: "LINE KEYWORD" */
  ignored: string[];
}

export interface PlanInputs {
  /** --build-arg values */
  buildArgs?: Readonly<Record<string, string>>;
  /** the base image's Env (NAME=value entries of its config); absent in `kiln plan` */
  baseEnv?: readonly string[];
  /** --from: the image used instead of FROM's */
  from?: string;
}

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

const PROXY_ARGS = new Set(['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'all_proxy'].flatMap((n) => [n, n.toUpperCase()]));

export function planContainerfile(parsed: ParsedContainerfile, inputs: PlanInputs = {}): ContainerfilePlan {
  const file = parsed.file;
  const buildArgs = inputs.buildArgs ?? {};
  const globals: Record<string, string> = {};
  for (const a of parsed.globalArgs) {
    const v = buildArgs[a.name] ?? a.default;
    if (v !== undefined) globals[a.name] = v;
  }
  const ref = inputs.from ?? substitute(parsed.from.ref, globals, file, parsed.from.line);
  // an image without PATH in its config gets the usual one, as a container runtime gives it
  const env: Record<string, string> = { PATH: TARGET_PATH, ...envOf(inputs.baseEnv ?? []) };
  // ARG values are the RUN lines' variables too; ENV wins over ARG of the same name
  // Docker's predefined ARGs: proxies given with --build-arg reach the RUN lines without an ARG line
  const args: Record<string, string> = Object.fromEntries(Object.entries(buildArgs).filter(([k]) => PROXY_ARGS.has(k)));
  const envSet = new Set<string>();
  let shell: string[] = [...DEFAULT_SHELL];
  let workdir = '/';
  let user = 'root';
  let userLine = 0;
  const runs: RunStep[] = [];
  const vars = (): Record<string, string> => ({ ...env, ...Object.fromEntries(Object.entries(args).filter(([k]) => !envSet.has(k))) });
  for (const ins of parsed.body) {
    switch (ins.keyword) {
      case 'ARG': {
        const a = parseArg(ins, file);
        const v = buildArgs[a.name] ?? (a.default !== undefined ? substitute(a.default, vars(), file, ins.line) : globals[a.name]);
        if (v !== undefined) args[a.name] = v;
        break;
      }
      case 'ENV':
        for (const [k, v] of parseEnv(ins, file)) {
          env[k] = substitute(v, vars(), file, ins.line);
          envSet.add(k);
        }
        break;
      case 'WORKDIR':
        workdir = posix.resolve(workdir, substitute(unquote(ins.args), vars(), file, ins.line));
        break;
      case 'USER':
        user = substitute(ins.args, vars(), file, ins.line);
        userLine = ins.line;
        break;
      case 'SHELL':
        shell = jsonStrings(ins.args)!;
        break;
      case 'RUN': {
        if (!/^(root|0)(:(root|0))?$/.test(user)) {
          throw containerfileError(
            file,
            ins.line,
            `RUN as user '${user}' (USER on line ${userLine}) is not supported`,
            'RUN lines run as root of the tree; move USER after the last RUN, or use su/runuser in the RUN line',
          );
        }
        const cmd = runCommand(ins.args);
        const exec = cmd.startsWith('[') ? jsonStrings(cmd) : undefined;
        runs.push({ line: ins.line, text: ins.args, argv: exec ?? [...shell, cmd], env: vars(), workdir });
        break;
      }
    }
  }
  return {
    file,
    ref,
    scratch: ref === 'scratch',
    ...(parsed.from.platform ? { platform: parsed.from.platform } : {}),
    runs,
    ignored: parsed.ignored.map((i: Instruction) => `${i.line} ${i.keyword}`),
  };
}

function envOf(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/** ENV NAME=VALUE ... (values may be quoted), or the legacy ENV NAME VALUE (the rest of the line). */
export function parseEnv(ins: Instruction, file: string): [string, string][] {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=\s][\s\S]*)$/.exec(ins.args);
  if (legacy && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(ins.args)) return [[legacy[1]!, legacy[2]!.trim()]];
  const out: [string, string][] = [];
  for (const word of shellWords(ins.args, file, ins.line)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(word);
    if (!m) throw containerfileError(file, ins.line, `ENV needs NAME=VALUE, got '${word}'`, 'ENV NAME=VALUE [NAME=VALUE ...]');
    out.push([m[1]!, m[2]!]);
  }
  return out;
}

/** Split on unquoted whitespace; quotes are removed, backslash escapes the next character. Variables stay. */
function shellWords(text: string, file: string, line: number): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i] === '$' ? '\\$' : text[i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i] === '$' ? '\\$' : text[i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw containerfileError(file, line, `unterminated ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}

/** Dockerfile variable substitution; \$ is a literal $. */
export function substitute(text: string, vars: Readonly<Record<string, string>>, file: string, line: number): string {
  return text.replace(/\\\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced: string | undefined, bare: string | undefined) => {
    if (m === '\\$') return '$';
    if (bare !== undefined) return vars[bare] ?? '';
    const b = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/.exec(braced ?? '');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax, not a template
    if (!b) throw containerfileError(file, line, `bad substitution \${${braced}}`, 'use ${NAME}, ${NAME:-default} or ${NAME:+value}');
    const v = vars[b[1]!];
    if (b[2] === '-') return v ? v : b[3]!;
    if (b[2] === '+') return v ? b[3]! : '';
    return v ?? '';
  });
}
