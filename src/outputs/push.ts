/**
 * --push REGISTRY/NAME:TAG: after the outputs are written, copy the container image to a registry
 * with `skopeo copy` (no daemon): the oci output when the build writes one, else the docker one.
 * Credentials are skopeo's own (`skopeo login`, containers-auth.json); a registry on a loopback
 * address is reached without TLS verification (plain http, as Docker treats loopback registries);
 * any other insecure registry is configured in registries.conf, as for every containers tool.
 */
import { KilnError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { parseImageRef } from './image-config.js';
import type { OutputFormat } from './types.js';

export interface PushTarget {
  /** REGISTRY (HOST[:PORT]) */
  registry: string;
  /** the whole reference, REGISTRY/NAME:TAG */
  ref: string;
  /** a loopback registry: skopeo gets --dest-tls-verify=false */
  loopback: boolean;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** --push's value, or a KilnError naming it. A registry host is required: nothing goes to a default registry. */
export function parsePushTarget(value: string): PushTarget {
  const first = value.split('/')[0]!;
  const hasRegistry = value.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  if (!hasRegistry) {
    throw new KilnError(`--push ${value}: the reference names no registry`, {
      where: '--push',
      hint: 'give REGISTRY/NAME:TAG, the registry a host name or HOST:PORT (e.g. registry.example:5000/kiln/debian:12)',
    });
  }
  const rest = value.slice(first.length + 1);
  let ref: { name: string; tag: string };
  try {
    ref = parseImageRef(rest, 'pushed');
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    throw new KilnError(`--push ${value}: '${rest}' is not a valid NAME:TAG`, { where: '--push', ...(e.hint ? { hint: e.hint } : {}) });
  }
  return { registry: first, ref: `${first}/${ref.name}:${ref.tag}`, loopback: LOOPBACK.test(first) };
}

/** The container output --push copies from: oci when the build writes it, else docker; undefined when neither. */
export function pushSource(plan: readonly OutputFormat[]): 'oci' | 'docker' | undefined {
  if (plan.some((f) => f.name === 'oci')) return 'oci';
  if (plan.some((f) => f.name === 'docker')) return 'docker';
  return undefined;
}

/** skopeo's argv for pushing `file` (the `format` output, its image named `localRef` inside) to `target`. */
export function planPush(format: 'oci' | 'docker', file: string, localRef: string, target: PushTarget): string[] {
  const src = format === 'oci' ? `oci-archive:${file}:${localRef}` : `docker-archive:${file}`;
  return ['skopeo', 'copy', '--quiet', ...(target.loopback ? ['--dest-tls-verify=false'] : []), src, `docker://${target.ref}`];
}

export async function pushImage(runner: Runner, format: 'oci' | 'docker', file: string, localRef: string, target: PushTarget): Promise<void> {
  const argv = planPush(format, file, localRef, target);
  await runner.run(argv[0]!, argv.slice(1), { context: `push ${target.ref}` });
}
