/**
 * NAME.d/pin.json: what a build used, so it can be rebuilt from the record (`--pin`, pin.ts) and
 * compared: Kiln's version, the epoch and where it came from, the bootstrap's plan, every installed
 * package (name, version, arch) with the source apt had it from (the archive's URI, suite and Release
 * Date, read from the tree's package lists after post-install.d, before cleanup.d removes them), and
 * the host tools with the versions of the packages that own them. Schema: schemas/pin.json.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptSources, installedPackages, parseDpkgStatus } from '../distros/installed-packages.js';
import { Tree } from '../tree/fs.js';
import { kilnVersion } from '../version.js';
import type { Build } from './build.js';
import { PIN_VERSION, type PinRecord } from './pin-types.js';
import { toolVersions } from './tool-versions.js';

export type { CapturedSources, PinRecord } from './pin-types.js';

export async function capturePackageSources(b: Build): Promise<void> {
  const tree = new Tree(b.ws.tree);
  if (!tree.isFile('/var/lib/dpkg/status')) return;
  const r = aptSources(tree, parseDpkgStatus(tree.readFile('/var/lib/dpkg/status').toString('utf8')));
  const of = new Map<string, number>();
  for (const p of r.packages) if (p.source !== undefined) of.set(`${p.name}\t${p.version}`, p.source);
  b.packageSources = { sources: r.sources, of };
  b.log.debug(`pin: ${of.size} of ${r.packages.length} installed package(s) found in ${r.sources.length} source(s)`);
}

export function pinRecordPath(outDir: string, imageName: string): string {
  return join(outDir, `${imageName}.d`, 'pin.json');
}

export async function makePinRecord(b: Build): Promise<PinRecord> {
  const tree = new Tree(b.ws.tree);
  const installed = await installedPackages(tree, b.runner);
  const cap = b.packageSources;
  let sources = cap?.sources ?? [];
  let packages = (installed?.packages ?? []).map((p) => {
    const s = cap?.of.get(`${p.name}\t${p.version}`);
    return s === undefined ? p : { ...p, source: s };
  });
  if (b.pin) {
    // a --pin rebuild (checkPin found every package at its recorded version) keeps the record's
    // sources: where each version came from first, not the package cache or snapshot it was taken
    // from this time, so that the rebuild's record is the record it was made from
    const recorded = new Map(b.pin.packages.map((p) => [`${p.name}:${p.arch}\t${p.version}`, p]));
    sources = b.pin.sources;
    packages = packages.map(({ source: _, ...p }) => {
      const r = recorded.get(`${p.name}:${p.arch}\t${p.version}`);
      return r?.source === undefined ? p : { ...p, source: r.source };
    });
  }
  const desc = b.plan.bootstrap?.plan;
  const tools = b.usedTools ?? [];
  return {
    pinVersion: PIN_VERSION,
    kilnVersion: kilnVersion(),
    imageName: b.config.imageName,
    arch: b.config.arch,
    elements: b.plan.elements.map((e) => e.name),
    epoch: b.epochRecord,
    bootstrap: b.plan.bootstrap
      ? { driver: b.plan.bootstrap.driver, ...(desc && !('error' in desc) ? { ...desc, driver: b.plan.bootstrap.driver } : {}) }
      : null,
    packageManager: installed?.manager ?? null,
    sources,
    packages,
    tools: await toolVersions(b.runner, tools, b.config.hostPath, join(b.config.cacheDir, 'host', 'tool-versions.json')),
  };
}

/** Written beside the image (NAME.d/pin.json), whole or not at all. */
export async function writePinRecord(b: Build): Promise<void> {
  const record = await makePinRecord(b);
  const file = pinRecordPath(b.config.outDir, b.config.imageName);
  mkdirSync(join(b.config.outDir, `${b.config.imageName}.d`), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
  const withSource = record.packages.filter((p) => p.source !== undefined).length;
  b.log.info(
    `pin: recorded ${record.packages.length} package(s) (${withSource} with their source), ${record.tools.length} tool(s) and the epoch ${record.epoch.epoch} in ${file}`,
  );
}
