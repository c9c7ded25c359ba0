/**
 * The SBOM beside the image: an SPDX 2.3 JSON document (NAME.d/sbom.spdx.json) describing the image
 * as one package that CONTAINS every installed package (name, version, architecture, source package,
 * a purl). The same inputs give the same bytes: the creation time is SOURCE_DATE_EPOCH (the build's
 * start without it) and the namespace is derived from the content.
 */
import { createHash } from 'node:crypto';
import type { InstalledPackage, PackageList } from './packages.js';

export const SBOM_FILE = 'sbom.spdx.json';

export interface SbomInput {
  imageName: string;
  arch: string;
  kilnVersion: string;
  /** seconds since the epoch: the document's creation time */
  epoch: number;
  packages: PackageList | null;
  /** os-release ID (debian, ubuntu, ...): the purl namespace */
  distroId?: string;
  distroVersion?: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose?: string;
  sourceInfo?: string;
  supplier?: string;
  comment?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  documentDescribes: string[];
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** SPDX ids allow letters, digits, '.' and '-' only. */
function spdxId(prefix: string, i: number, name: string): string {
  return `SPDXRef-${prefix}-${i}-${name.replace(/[^A-Za-z0-9.-]/g, '-')}`;
}

/**
 * purl (package-url.org) of a package: pkg:deb/NAMESPACE/NAME@VERSION?arch=ARCH[&distro=...][&upstream=SOURCE],
 * pkg:rpm/NAMESPACE/NAME@VERSION-RELEASE?arch=ARCH[&epoch=E][&distro=...][&upstream=SOURCE.src.rpm]
 */
export function packagePurl(format: PackageList['format'], p: InstalledPackage, distroId: string, distroVersion?: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%3A/g, ':');
  const q = [`arch=${enc(p.arch)}`];
  let version = p.version;
  if (format === 'rpm') {
    const e = /^(\d+):(.*)$/.exec(version);
    if (e) {
      version = e[2]!;
      q.push(`epoch=${e[1]}`);
    }
  }
  if (distroVersion) q.push(`distro=${enc(`${distroId}-${distroVersion}`)}`);
  if (p.source !== p.name) q.push(`upstream=${enc(format === 'rpm' ? `${p.source}-${p.sourceVersion}.src.rpm` : p.source)}`);
  return `pkg:${format === 'rpm' ? 'rpm' : 'deb'}/${enc(distroId)}/${enc(p.name)}@${enc(version)}?${q.join('&')}`;
}

export function makeSbom(i: SbomInput): SpdxDocument {
  const image: SpdxPackage = {
    SPDXID: 'SPDXRef-Image',
    name: i.imageName,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'OPERATING-SYSTEM',
    comment: `disk image built by Kiln ${i.kilnVersion} for ${i.arch}`,
  };
  const format = i.packages?.format ?? 'dpkg';
  const distro = i.distroId || (format === 'rpm' ? 'rpm' : 'debian');
  const pkgs: SpdxPackage[] = (i.packages?.packages ?? []).map((p, n) => ({
    SPDXID: spdxId(format === 'rpm' ? 'Package-rpm' : 'Package-deb', n + 1, p.name),
    name: p.name,
    versionInfo: p.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    sourceInfo: `built from source package ${p.source} ${p.sourceVersion}`,
    comment: `architecture ${p.arch}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: packagePurl(format, p, distro, i.distroVersion) }],
  }));
  const relationships = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
    ...pkgs.map((p) => ({ spdxElementId: image.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
  ];
  const body = { packages: [image, ...pkgs], relationships };
  // the namespace must be unique per document: the content's hash makes it so, and keeps it reproducible
  const digest = createHash('sha256')
    .update(JSON.stringify([i.imageName, i.arch, i.epoch, body]))
    .digest('hex');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${i.imageName} (disk image)`,
    documentNamespace: `https://spdx.org/spdxdocs/kiln-${encodeURIComponent(i.imageName)}-${digest.slice(0, 32)}`,
    creationInfo: { created: `${new Date(i.epoch * 1000).toISOString().slice(0, 19)}Z`, creators: [`Tool: kiln-${i.kilnVersion}`] },
    documentDescribes: [image.SPDXID],
    ...body,
  };
}
