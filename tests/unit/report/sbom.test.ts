// The SBOM against the SPDX 2.3 specification's required fields (clauses 6 and 7: document creation
// information, package information), its relationships, and its reproducibility.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { makeSbom, packagePurl, parseDpkgStatus, type SpdxDocument } from '../../../src/report/index.js';
import { spdxProblems } from '../../helpers/spdx.js';

const STATUS = existsSync('/var/lib/dpkg/status') ? readFileSync('/var/lib/dpkg/status', 'utf8') : '';

describe('SPDX 2.3 SBOM', () => {
  const input = {
    imageName: 'img',
    arch: 'amd64',
    kilnVersion: '0.1.0',
    epoch: 1700000000,
    packages: { format: 'dpkg' as const, packages: parseDpkgStatus(STATUS) },
    distroId: 'debian',
    distroVersion: '12',
  };

  it('has the required fields, one package per installed package, each CONTAINed by the image', () => {
    const d = makeSbom(input);
    assert.deepEqual(spdxProblems(d), []);
    assert.equal(d.creationInfo.created, '2023-11-14T22:13:20Z', 'SOURCE_DATE_EPOCH');
    assert.equal(d.packages.length, input.packages.packages.length + 1);
    const contained = d.relationships.filter((r) => r.spdxElementId === 'SPDXRef-Image' && r.relationshipType === 'CONTAINS');
    assert.equal(contained.length, input.packages.packages.length);
    const first = input.packages.packages[0];
    if (first) {
      const pkg = d.packages[1]!;
      assert.equal(pkg.name, first.name);
      assert.equal(pkg.versionInfo, first.version);
      assert.match(pkg.externalRefs![0]!.referenceLocator, new RegExp(`^pkg:deb/debian/${first.name.replace(/[+.]/g, '\\$&')}@`));
    }
  });

  it('a package named with characters SPDX ids refuse gets a valid id; a source package is in the purl', () => {
    const d = makeSbom({
      ...input,
      packages: { format: 'dpkg', packages: [{ name: 'g++-12', version: '12.2.0-14', arch: 'amd64', source: 'gcc-12', sourceVersion: '12.2.0-14' }] },
    });
    assert.deepEqual(spdxProblems(d), []);
    assert.equal(d.packages[1]!.SPDXID, 'SPDXRef-Package-deb-1-g---12');
    assert.equal(d.packages[1]!.externalRefs![0]!.referenceLocator, 'pkg:deb/debian/g%2B%2B-12@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12');
    assert.match(d.packages[1]!.sourceInfo!, /gcc-12 12\.2\.0-14/);
  });

  it('an RPM package: pkg:rpm purl with the epoch as a qualifier and the source rpm as upstream', () => {
    const p = { name: 'openssl-libs', version: '1:3.2.1-2.fc40', arch: 'x86_64', source: 'openssl', sourceVersion: '3.2.1-2.fc40' };
    assert.equal(
      packagePurl('rpm', p, 'fedora', '40'),
      'pkg:rpm/fedora/openssl-libs@3.2.1-2.fc40?arch=x86_64&epoch=1&distro=fedora-40&upstream=openssl-3.2.1-2.fc40.src.rpm',
    );
    const d = makeSbom({ ...input, distroId: 'fedora', distroVersion: '40', packages: { format: 'rpm', packages: [p] } });
    assert.deepEqual(spdxProblems(d), []);
    assert.equal(d.packages[1]!.SPDXID, 'SPDXRef-Package-rpm-1-openssl-libs');
  });

  it('without a package database: the image alone, still valid', () => {
    const d = makeSbom({ ...input, packages: null });
    assert.deepEqual(spdxProblems(d), []);
    assert.equal(d.packages.length, 1);
  });

  it('the same inputs give the same bytes; other inputs another namespace', () => {
    assert.equal(JSON.stringify(makeSbom(input)), JSON.stringify(makeSbom(input)));
    assert.notEqual(makeSbom(input).documentNamespace, makeSbom({ ...input, epoch: 1 }).documentNamespace);
  });

  it('the checker finds what is wrong', () => {
    const d = makeSbom(input);
    const bad = { ...d, dataLicense: 'MIT', packages: [{ ...d.packages[0]!, SPDXID: 'Bad_Id' }] } as unknown as SpdxDocument;
    const p = spdxProblems(bad);
    assert.ok(p.includes('6.2 dataLicense is CC0-1.0'), p.join('; '));
    assert.ok(p.includes('7.2 SPDXID Bad_Id'), p.join('; '));
  });
});
