/**
 * DIB block_device/config.py config_tree_to_graph + recurse_config: a list of single-key entries,
 * in tree or graph form (or mixed), becomes a flat list of graph entries linked by `base`.
 * Nested plugin keys become their own entries: base defaults to the parent's name, name defaults to
 * `<plugin>_<base>`. Items of `partitions:` stay on the partitioning entry with base = the
 * partitioning's base; plugin keys inside a partition recurse with base = the partition's name.
 * Output order is DIB's: nested entries first, then their parent.
 */
import { KilnError } from '../../errors.js';
import type { ParsedYaml } from './parse-yaml.js';

export const PLUGINS = ['local_loop', 'partitioning', 'lvm', 'mkfs', 'mount', 'fstab'] as const;
export type PluginName = (typeof PLUGINS)[number];

export function isPlugin(key: string): key is PluginName {
  return (PLUGINS as readonly string[]).includes(key);
}

export interface PartitionEntry {
  values: Record<string, unknown>;
  where: string;
}

export interface GraphEntry {
  plugin: PluginName;
  /** absent only when neither name nor base was given (reported by the node parser) */
  name?: string;
  values: Record<string, unknown>;
  partitions?: PartitionEntry[];
  where: string;
}

export interface GraphConfig {
  file: string;
  entries: GraphEntry[];
}

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The entry as DIB's messages show it (a bare string as is, anything else as JSON). */
function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function configTreeToGraph(parsed: ParsedYaml, problems: KilnError[]): GraphConfig {
  const { file, lines } = parsed;
  const where = (o: unknown, fallback = 0): string => `${file}:${(isDict(o) || Array.isArray(o) ? lines.get(o) : undefined) ?? fallback}`;
  const entries: GraphEntry[] = [];
  const list = parsed.value;
  if (list === null || list === undefined) return { file, entries };
  if (!Array.isArray(list)) {
    problems.push(
      new KilnError('block-device config must be a list of single-key entries', {
        where: `${file}:1`,
        hint: 'start each entry with "- local_loop:", "- partitioning:", ...',
      }),
    );
    return { file, entries };
  }

  const recurse = (plugin: PluginName, values: unknown, parentBase: string | undefined, at: string): void => {
    if (!isDict(values)) {
      problems.push(new KilnError(`Config entry not a dict: ${show({ [plugin]: values })}`, { where: at, hint: `give '${plugin}' a mapping of keys` }));
      return;
    }
    const here = where(values) === `${file}:0` ? at : where(values);
    const self: Record<string, unknown> = {};
    const base = values.base !== undefined ? values.base : parentBase;
    if (base !== undefined) self.base = base;
    const name = values.name !== undefined ? values.name : base !== undefined ? `${plugin}_${String(base)}` : undefined;
    if (name !== undefined) self.name = name;
    let partitions: PartitionEntry[] | undefined;
    for (const [k, v] of Object.entries(values)) {
      if (k === 'name' || k === 'base') continue;
      if (k === 'partitions' && Array.isArray(v)) {
        partitions = [];
        for (const part of v) {
          if (!isDict(part)) {
            problems.push(
              new KilnError(`Partition entry not a dict: ${show(part)}`, { where: where(v), hint: 'each partition is a mapping with name, size, ...' }),
            );
            continue;
          }
          const p: Record<string, unknown> = {};
          for (const [pk, pv] of Object.entries(part)) {
            if (isPlugin(pk)) recurse(pk, pv, part.name === undefined ? undefined : String(part.name), where(part));
            else p[pk] = pv;
          }
          if (self.base !== undefined) p.base = self.base;
          partitions.push({ values: p, where: where(part) });
        }
      } else if (isPlugin(k)) {
        recurse(k, v, name === undefined ? undefined : String(name), here);
      } else {
        self[k] = v;
      }
    }
    entries.push({ plugin, ...(name !== undefined ? { name: String(name) } : {}), values: self, ...(partitions ? { partitions } : {}), where: here });
  };

  const itemLines = parsed.itemLines.get(list) ?? [];
  for (const [i, entry] of list.entries()) {
    const at = where(entry, itemLines[i] ?? lines.get(list) ?? 0);
    if (!isDict(entry)) {
      problems.push(new KilnError(`Config entry not a dict: ${show(entry)}`, { where: at, hint: 'each list item is one "plugin: {...}" mapping' }));
      continue;
    }
    const keys = Object.keys(entry);
    if (keys.length !== 1) {
      problems.push(new KilnError(`Config entry top-level should be a single dict: ${show(entry)}`, { where: at, hint: 'put each node in its own list item' }));
      continue;
    }
    const key = keys[0]!;
    if (!isPlugin(key)) {
      problems.push(new KilnError(`Config entry is not a plugin value: ${show(entry)}`, { where: at, hint: `valid node types: ${PLUGINS.join(', ')}` }));
      continue;
    }
    recurse(key, entry[key], undefined, at);
  }
  return { file, entries };
}

/** The graph form as DIB writes it (config.json): a list of `{plugin: values}` (partitions inline). */
export function formatGraph(g: GraphConfig): Record<string, unknown>[] {
  return g.entries.map((e) => ({ [e.plugin]: { ...e.values, ...(e.partitions ? { partitions: e.partitions.map((p) => p.values) } : {}) } }));
}
