/**
 * The shape of one declared setting: its flag(s), the environment variables that set it (first
 * set one wins), its value type, default and help, and where Kiln reads it (its scopes).
 */
import type { ValueType } from '../values.js';

/**
 * Where a setting is read, and so which environment it comes from:
 *  - build: disk-image-create, kiln build and kiln plan, once at the start, from the command line
 *    and the environment they were started with
 *  - environment.d: Kiln's host stages that must agree with the hooks (disk layout, grub.cfg,
 *    package-installs), from the hooks' environment after every environment.d file is sourced;
 *    a command-line flag still wins
 *  - bootstrap: the distro driver, from the build's environment (it runs before root.d, so
 *    environment.d does not apply)
 *  - block-device: kiln plan block-device and kiln block-device create
 *  - kiln: the other kiln commands (cache, elements, element-info, boot-test)
 *  - hooks: only the shipped elements' hooks read it; Kiln passes it on
 */
export type Scope = 'build' | 'environment.d' | 'bootstrap' | 'block-device' | 'kiln' | 'hooks';

export type Group = 'image' | 'output' | 'build' | 'block-device' | 'bootloader' | 'distro' | 'debug' | 'info' | 'kiln';

/** none: a switch; value: takes one (the last one given wins); list: repeatable; count: -x -x */
export type FlagArg = 'none' | 'value' | 'count' | 'list';

/** What a default function can ask: other settings (read from the same place) and the host. */
export interface DefaultContext {
  get(key: string): unknown;
  hostArch?: string;
}

export interface SettingSpec<T, S extends Scope> {
  short?: string;
  long?: string;
  /** how the flag takes its value; required with short or long */
  arg?: FlagArg;
  argName?: string;
  /** environment variables, in precedence order: the first one that is set (and not empty) wins */
  env?: readonly string[];
  /**
   * Documented here, but not returned by readSettings: package-installs and the hook planner look it
   * up by name, as DIB does, because the name depends on an element (DIB_INSTALLTYPE_<element>) or
   * the value is compared with element data (DIB_PYTHON_VERSION)
   */
  lookedUpByName?: boolean;
  type: ValueType<T>;
  default?: NoInfer<T> | ((ctx: DefaultContext) => NoInfer<T>);
  /** the default as the docs say it, when it is not a plain value */
  defaultText?: string;
  /** an empty variable is a value (e.g. no virtual terminal), not "unset" */
  emptyIsValue?: boolean;
  help: string;
  group: Group;
  scopes: readonly S[];
  /** Kiln's own option or variable (DIB has no such thing) */
  kiln?: boolean;
  /** the kiln subcommands whose option it is, e.g. 'boot-test', 'plan block-device' */
  commands?: readonly string[];
  /** a kiln subcommand option that must be given */
  required?: boolean;
}

/** A setting; `D` records whether it has a default (then its value is never undefined). */
export interface Setting<T = unknown, S extends Scope = Scope, D extends boolean = boolean> extends SettingSpec<T, S> {
  readonly hasDefault: D;
}

export function setting<T, const S extends Scope>(
  spec: SettingSpec<T, S> & { default: NoInfer<T> | ((ctx: DefaultContext) => NoInfer<T>) },
): Setting<T, S, true>;
export function setting<T, const S extends Scope>(spec: SettingSpec<T, S>): Setting<T, S, false>;
export function setting<T, const S extends Scope>(spec: SettingSpec<T, S>): Setting<T, S, boolean> {
  if ((spec.short || spec.long) && !spec.arg) throw new Error(`a flag needs arg: ${spec.long ?? spec.short}`);
  return { ...spec, hasDefault: spec.default !== undefined };
}

/** The value a setting yields: its type, or undefined when it has no default and is not set. */
export type ValueOf<X> = X extends Setting<infer T, Scope, infer D> ? (D extends true ? T : T | undefined) : never;
export type ScopesOf<X> = X extends Setting<unknown, infer S, boolean> ? S : never;
