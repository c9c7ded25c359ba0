/**
 * Host side of the pkg-map element (extra-data): DIB copies each element's pkg-map JSON to
 * /usr/share/pkg-map/<element> and parses it in the target with Python. Kiln targets may have no
 * Python, so we also pre-resolve the map for the build's distro/release into a flat file that
 * elements/pkg-map/bin/pkg-map (POSIX sh) reads:
 *   /usr/share/pkg-map/<element>.kiln:  '#distro=<d>', '#release=<r>', then 'name=mapped names' lines
 *   ('name=' means "no package").
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tree } from '../tree/fs.js';
import { parsePkgMap, resolvePkgMap, type DistroRelease, type NameMap } from './pkg-map.js';

export const PKG_MAP_DIR = 'usr/share/pkg-map';

export function formatPkgMapFile(resolved: NameMap, target: DistroRelease): string {
  const lines = [`#distro=${target.distro}`, `#release=${target.release ?? ''}`];
  for (const [name, mapped] of Object.entries(resolved)) lines.push(`${name}=${mapped}`);
  return `${lines.join('\n')}\n`;
}

/**
 * For every element with a `pkg-map` file: copy it (DIB compat; legacy scripts test its presence)
 * and write the resolved `<element>.kiln`. Returns the names of the elements that had a map.
 */
export function writePkgMapFiles(elements: { name: string; path: string }[], target: DistroRelease, treeDir: string): string[] {
  const tree = new Tree(treeDir); // the tree's paths are resolved in it (src/tree)
  const dir = `/${PKG_MAP_DIR}`;
  tree.mkdirp(dir, 0o755);
  const written: string[] = [];
  for (const el of elements) {
    const src = join(el.path, 'pkg-map');
    if (!existsSync(src) || !statSync(src).isFile()) continue;
    const bytes = readFileSync(src);
    const map = parsePkgMap(bytes.toString('utf8'), src, el.name);
    tree.writeFile(`${dir}/${el.name}`, bytes, 0o644);
    tree.writeFile(`${dir}/${el.name}.kiln`, formatPkgMapFile(resolvePkgMap(map, target), target), 0o644);
    written.push(el.name);
  }
  return written;
}
