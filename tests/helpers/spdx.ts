/** The SPDX 2.3 specification's mandatory fields, checked on a JSON document (clauses 6, 7 and 11). */
import type { SpdxDocument } from '../../src/report/index.js';

const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;

/** The problems of a document with the SPDX 2.3 JSON rules the spec makes mandatory. */
export function spdxProblems(d: SpdxDocument): string[] {
  const p: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) p.push(what);
  };
  need(d.spdxVersion === 'SPDX-2.3', '6.1 spdxVersion is SPDX-2.3');
  need(d.dataLicense === 'CC0-1.0', '6.2 dataLicense is CC0-1.0');
  need(d.SPDXID === 'SPDXRef-DOCUMENT', '6.3 SPDXID is SPDXRef-DOCUMENT');
  need(typeof d.name === 'string' && d.name.length > 0, '6.4 name');
  need(/^[a-z][a-z0-9+.-]*:\/\/[^#\s]+$/.test(d.documentNamespace), '6.5 documentNamespace is a URI without #');
  need(Array.isArray(d.creationInfo?.creators) && d.creationInfo.creators.length > 0, '6.8 creators');
  for (const c of d.creationInfo?.creators ?? []) need(/^(Tool|Organization|Person): \S/.test(c), `6.8 creator ${c}`);
  need(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(d.creationInfo?.created ?? ''), '6.9 created is YYYY-MM-DDThh:mm:ssZ');
  const ids = new Set<string>();
  for (const pkg of d.packages) {
    need(typeof pkg.name === 'string' && pkg.name.length > 0, `7.1 name of ${pkg.SPDXID}`);
    need(SPDX_ID.test(pkg.SPDXID), `7.2 SPDXID ${pkg.SPDXID}`);
    need(!ids.has(pkg.SPDXID), `7.2 SPDXID ${pkg.SPDXID} is unique`);
    ids.add(pkg.SPDXID);
    need(typeof pkg.downloadLocation === 'string' && pkg.downloadLocation.length > 0, `7.7 downloadLocation of ${pkg.SPDXID}`);
    // filesAnalyzed true would require packageVerificationCode (7.9)
    need(pkg.filesAnalyzed === false, `7.8 filesAnalyzed of ${pkg.SPDXID}`);
    for (const r of pkg.externalRefs ?? []) {
      need(['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'].includes(r.referenceCategory), `7.21 category ${r.referenceCategory}`);
      if (r.referenceType === 'purl') need(/^pkg:[a-z][a-z0-9.+-]*\/[^@\s]+@[^?\s]+(\?[^\s]*)?$/.test(r.referenceLocator), `purl ${r.referenceLocator}`);
    }
  }
  for (const id of d.documentDescribes) need(ids.has(id), `documentDescribes ${id} is a package`);
  for (const r of d.relationships) {
    need(r.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(r.spdxElementId), `11 relationship from ${r.spdxElementId}`);
    need(ids.has(r.relatedSpdxElement), `11 relationship to ${r.relatedSpdxElement}`);
  }
  need(
    d.relationships.some((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES'),
    'the document DESCRIBES a package',
  );
  return p;
}
