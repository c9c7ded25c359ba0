/** The Debian driver's variables (docs/debian.md) and the ones its elements' hooks read. */
import { decimal, list, text } from '../values.js';
import { setting } from './types.js';

export const DISTRO = {
  release: setting({
    env: ['DIB_RELEASE'], type: text({ trim: true }), group: 'distro', scopes: ['bootstrap', 'environment.d'],
    defaultText: 'set by the OS element; debian-minimal: stable', help: 'The release to build (a codename or suite).',
  }),
  mirror: setting({
    env: ['DIB_DEBIAN_DISTRIBUTION_MIRROR', 'DIB_DISTRIBUTION_MIRROR'], type: text({ trim: true }), group: 'distro', scopes: ['bootstrap'],
    defaultText: "mmdebstrap's (the host's apt configuration)",
    help: 'The package mirror: deb MIRROR SUITE COMPONENTS, and SUITE-updates when the release has it.',
  }),
  securityMirror: setting({
    env: ['DIB_DEBIAN_SECURITY_MIRROR'], type: text({ trim: true }), group: 'distro', scopes: ['bootstrap'],
    help: 'With a mirror: deb SECMIRROR RELEASE-security COMPONENTS, when the release has a security suite.',
  }),
  components: setting({
    env: ['DIB_DEBIAN_COMPONENTS'], type: list(/[,\s]+/), group: 'distro', scopes: ['bootstrap'], defaultText: 'main',
    help: 'Archive components, comma-separated (mmdebstrap --components).',
  }),
  keyring: setting({
    env: ['DIB_APT_KEYRING', 'DIB_DEBIAN_KEYRING'], type: text({ trim: true }), group: 'distro', scopes: ['bootstrap'],
    help: 'mmdebstrap --keyring; also copied to /etc/apt/trusted.gpg.d.',
  }),
  debootstrapExtraArgs: setting({
    env: ['DIB_DEBOOTSTRAP_EXTRA_ARGS'], type: text(), group: 'distro', scopes: ['bootstrap'],
    help: '--include= --keyring= --variant= --components= --aptopt= --dpkgopt= --hook-dir= are passed to mmdebstrap; --no-check-gpg becomes apt options; anything else is an error naming it.',
  }),
  debootstrapScript: setting({
    env: ['DIB_DEBIAN_DEBOOTSTRAP_SCRIPT'], type: text({ trim: true }), group: 'distro', scopes: ['bootstrap'],
    help: 'Not supported (mmdebstrap has no suite scripts): setting it is an error.',
  }),
  bootstrapMaxAgeDays: setting({
    env: ['KILN_BOOTSTRAP_MAX_AGE_DAYS'], type: decimal(), default: 7, group: 'distro', scopes: ['bootstrap'], kiln: true,
    help: 'A cached bootstrap older than this many days is rebuilt (it misses security updates), unless offline.',
  }),
  aptSourcesConf: setting({
    env: ['DIB_APT_SOURCES_CONF'], type: text(), group: 'distro', scopes: ['hooks'],
    help: 'After the bootstrap (root.d): one sources.list.d/NAME.list per "NAME:deb ..." line; sources.list is removed.',
  }),
  addAptKeys: setting({
    env: ['DIB_ADD_APT_KEYS'], type: text(), group: 'distro', scopes: ['hooks'], help: 'A directory of keys copied to /etc/apt/trusted.gpg.d (dpkg element).',
  }),
  initramfsModules: setting({
    env: ['DIB_KILN_INITRAMFS_MODULES'], type: text(), default: 'most', group: 'distro', scopes: ['hooks'], kiln: true,
    help: 'MODULES of initramfs-tools (debian-minimal).',
  }),
  hasLvm: setting({
    env: ['DIB_KILN_HAS_LVM'], type: text(), group: 'distro', scopes: ['hooks'], kiln: true, defaultText: '1 when the layout has LVM',
    help: '1: install lvm2 so the initramfs can activate a root LV (the build sets it for layouts with LVM).',
  }),
} as const;
