import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../../../src/errors.js';
import { outputFormat, outputFormatNames, planOutputs } from '../../../src/outputs/registry.js';

const names = (types: string[]) => planOutputs(types).map((f) => f.name);

describe('output registry', () => {
  it('knows the ten formats, each with its extension and input', () => {
    assert.deepEqual(outputFormatNames(), ['qcow2', 'raw', 'vhd', 'vhdx', 'vmdk', 'tar', 'tgz', 'docker', 'oci', 'squash']);
    assert.deepEqual(
      outputFormatNames().map((n) => outputFormat(n).extension),
      ['qcow2', 'raw', 'vhd', 'vhdx', 'vmdk', 'tar', 'tgz', 'docker.tar', 'oci.tar', 'squash'],
    );
    assert.deepEqual(
      outputFormatNames().filter((n) => outputFormat(n).needs === 'disk'),
      ['qcow2', 'raw', 'vhd', 'vhdx', 'vmdk'],
    );
  });

  it('maps aliases', () => {
    assert.equal(outputFormat('squashfs').name, 'squash');
    assert.equal(outputFormat('vpc').name, 'vhd');
    assert.equal(outputFormat('tar.gz').name, 'tgz');
  });

  it('throws a KilnError listing the valid names', () => {
    assert.throws(
      () => outputFormat('iso'),
      (e: unknown) =>
        e instanceof KilnError &&
        /unknown output type 'iso'/.test(e.message) &&
        /qcow2, raw, vhd, vhdx, vmdk, tar, tgz, docker, oci, squash/.test(e.hint ?? ''),
    );
  });
});

describe('planOutputs', () => {
  it('keeps the given order but puts raw last', () => {
    assert.deepEqual(names(['raw', 'qcow2', 'tar']), ['qcow2', 'tar', 'raw']);
    assert.deepEqual(names(['raw']), ['raw']);
  });

  it('accepts comma lists, maps aliases and drops duplicates', () => {
    assert.deepEqual(names(['qcow2,squashfs', 'squash', ' vpc ', 'vhd', 'qcow2']), ['qcow2', 'squash', 'vhd']);
  });

  it('reports every unknown type at once, with the valid list', () => {
    assert.throws(
      () => planOutputs(['qcow2', 'iso', 'aci']),
      (e: unknown) => {
        assert.ok(e instanceof KilnError);
        assert.match(e.message, /unknown output types 'iso', 'aci' \(the App Container format is deprecated; use oci\)/);
        assert.equal(e.where, '-t');
        assert.match(e.hint ?? '', /valid types: qcow2, raw,/);
        return true;
      },
    );
  });

  it('rejects an empty list', () => {
    assert.throws(() => planOutputs(['', ' , ']), /no output type given/);
  });
});
