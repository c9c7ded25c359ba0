/** Build reports (NAME.d/report.html) and the SBOM (NAME.d/sbom.spdx.json): the public surface of src/report. */
export type { BootTestRecord, BuildFacts, HookTiming, ReportData, StepTiming } from './data.js';
export { REPORT_FILE } from './data.js';
export { readReportData, renderReport } from './html.js';
export { parseDpkgStatus, parseRpmQuery, readInstalledPackages, readOsRelease, RPM_QUERY_FORMAT, type InstalledPackage, type PackageList } from './packages.js';
export { makeSbom, packagePurl, SBOM_FILE, type SpdxDocument } from './sbom.js';
export { hookRecorder } from './timeline.js';
export { recordBootTest, reportDir, reportOfImage, writeBuildReport, type ReportFiles } from './write.js';
