/**
 * readSettings(): the one reader of settings. Given an environment (the command's, or the hooks'
 * after environment.d), the values of the flags on the command line and a scope, it returns every
 * setting of that scope, typed and frozen. A flag wins over the variables; the first variable set
 * wins over the next; an empty variable counts as unset (unless the setting says otherwise); then
 * the default. A bad value is an error naming the flag or variable (and the environment.d file
 * that set it, when known): a usage error (exit 2) at the start of a build, a user error (exit 1)
 * in a later stage or another command, as the rest of Kiln reports them.
 */
import { KilnError, UsageError } from '../errors.js';
import { SETTINGS, type DeclaredSetting, type SettingKey, type SettingMap } from './settings.js';
import type { DefaultContext, Scope, ScopesOf, ValueOf } from './settings/types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The command line, by setting key: the values given (in order) and how often each flag was given. */
export interface FlagValues {
  values: ReadonlyMap<string, readonly string[]>;
  counts: ReadonlyMap<string, number>;
}

export const NO_FLAGS: FlagValues = { values: new Map(), counts: new Map() };

/** FlagValues from a yargs-style object (`{ imageSize: '3GiB', json: true }`); undefined and false are "not given". */
export function flagValues(given: Partial<Record<SettingKey, string | number | boolean | undefined>>): FlagValues {
  const values = new Map<string, string[]>();
  const counts = new Map<string, number>();
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined || v === false) continue;
    counts.set(k, 1);
    if (v !== true) values.set(k, [String(v)]);
  }
  return { values, counts };
}

/** The settings of one scope, by key: their type, or `| undefined` when they have no default. */
export type SettingValues<S extends Scope> = {
  readonly [K in keyof SettingMap as S extends ScopesOf<SettingMap[K]> ? K : never]: ValueOf<SettingMap[K]>;
};

export interface ReadOptions {
  /** the default of ARCH (-a) */
  hostArch?: string;
}

// which environment.d file last set a variable of a sourced environment (recordEnvOrigins)
const ORIGINS = new WeakMap<object, ReadonlyMap<string, string>>();

/** Remember, for error messages, which file set each variable of `env` (an environment.d file). */
export function recordEnvOrigins(env: object, origins: ReadonlyMap<string, string>): void {
  ORIGINS.set(env, origins);
}

export function readSettings<S extends Scope>(env: Env, flags: FlagValues, scope: S, opts: ReadOptions = {}): SettingValues<S> {
  const cache = new Map<string, unknown>();
  const ctx: DefaultContext = {
    get: (key) => settingValue(SETTINGS.find((s) => s.key === key)!),
    ...(opts.hostArch !== undefined ? { hostArch: opts.hostArch } : {}),
  };
  const settingValue = (s: DeclaredSetting): unknown => {
    if (!cache.has(s.key)) cache.set(s.key, readOne(s, env, flags, scope, ctx));
    return cache.get(s.key);
  };
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (!s.lookedUpByName && s.scopes.includes(scope)) out[s.key] = settingValue(s);
  }
  return Object.freeze(out) as SettingValues<S>;
}

interface Raw {
  text: string;
  where: string;
}

function readOne(s: DeclaredSetting, env: Env, flags: FlagValues, scope: Scope, ctx: DefaultContext): unknown {
  const fromEnv = envValue(s, env);
  if (s.arg === 'count') {
    // -x adds to DIB_DEBUG_TRACE, as DIB counts from the variable's value
    const base = fromEnv ? parse(s, fromEnv, scope) : defaultOf(s, ctx);
    return (base as number) + (flags.counts.get(s.key) ?? 0);
  }
  const raw = flagValue(s, flags) ?? fromEnv;
  return raw ? parse(s, raw, scope) : defaultOf(s, ctx);
}

function flagValue(s: DeclaredSetting, flags: FlagValues): Raw | undefined {
  if (!s.arg || !(flags.counts.get(s.key) ?? 0)) return undefined;
  const where = s.long ? `--${s.long}` : `-${s.short}`;
  const given = flags.values.get(s.key) ?? [];
  if (s.arg === 'none') return { text: '1', where };
  if (s.arg === 'list') return { text: given.join(','), where };
  const last = given.at(-1);
  return last === undefined ? undefined : { text: last, where };
}

function envValue(s: DeclaredSetting, env: Env): Raw | undefined {
  for (const name of s.env ?? []) {
    const v = env[name];
    if (v === undefined || (v === '' && !s.emptyIsValue)) continue;
    const origin = ORIGINS.get(env)?.get(name);
    return { text: v, where: origin ? `${name} (set in ${origin})` : name };
  }
  return undefined;
}

function parse(s: DeclaredSetting, raw: Raw, scope: Scope): unknown {
  try {
    return s.type.parse(raw.text);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    const details = { where: raw.where, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
    throw scope === 'build' ? new UsageError(e.message, details) : new KilnError(e.message, details);
  }
}

function defaultOf(s: DeclaredSetting, ctx: DefaultContext): unknown {
  const d = s.default;
  if (typeof d === 'function') return (d as (c: DefaultContext) => unknown)(ctx);
  return Array.isArray(d) ? [...d] : d;
}
