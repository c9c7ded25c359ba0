/**
 * package-installs (docs/package-installs.md): the public face for the pipeline and the element scripts.
 * The pipeline calls squashPackageInstalls() in extra-data and writes formatSquashedJson() to
 * <tree>/tmp/package-installs.json before pre-install.d; elements/package-installs reads it in the target.
 */
export { evaluateParams, evaluateWhen, elementInstallType } from './package-installs-eval.js';
export type { PackageInstallsContext, PackageOp, ParamsVerdict } from './package-installs-eval.js';
export { formatSquashedJson, pyJsonString, SQUASHED_JSON_PATH, writeSquashedJson } from './package-installs-format.js';
export { PKG_MAP_DIR, writePkgMapFiles } from './pkg-map-files.js';
export { mapPackages, parsePkgMap, resolvePkgMap } from './pkg-map.js';
export { parseLegacyPackageList, parsePackageInstalls } from './package-installs-parse.js';
export type { LegacyPackageLine, PackageDecl, PackageInstallsFile, PackageParams, RawValue } from './package-installs-parse.js';
export { collectPackageInstalls, emptySquash, packagesFor, squashPackageInstalls, squashSourceDirs } from './package-installs-squash.js';
export type { PackageEntry, SquashContext, SquashedPackages, SquashSource } from './package-installs-squash.js';
