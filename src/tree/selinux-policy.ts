/**
 * The image's SELinux policy, as the tree holds it: /etc/selinux/config names the policy
 * (SELINUXTYPE=targeted) and /etc/selinux/<type>/contexts/files/file_contexts is what labels its
 * files. Kiln labels against that file with the host's libselinux tools (setfiles, matchpathcon),
 * so neither the host nor the build needs SELinux enabled. Every read goes through src/tree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from './fs.js';

export interface SelinuxConfig {
  /** SELINUX=: enforcing, permissive or disabled */
  mode?: string;
  /** SELINUXTYPE=: the policy's directory under /etc/selinux */
  type?: string;
}

export interface SelinuxPolicy extends SelinuxConfig {
  type: string;
  /** tree-absolute path of the policy's file_contexts */
  fileContexts: string;
}

/** /etc/selinux/config: KEY=value lines, # comments; the last assignment wins (as libselinux reads it). */
export function parseSelinuxConfig(text: string): SelinuxConfig {
  const out: SelinuxConfig = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(SELINUX|SELINUXTYPE)\s*=\s*"?([^"\s]*)"?\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'SELINUX') out.mode = m[2]!;
    else out.type = m[2]!;
  }
  return out;
}

/** The tree's policy, or undefined when it has no config, no SELINUXTYPE or no file_contexts for it. */
export function findSelinuxPolicy(tree: Tree): SelinuxPolicy | undefined {
  if (!tree.isFile('/etc/selinux/config')) return undefined;
  const config = parseSelinuxConfig(tree.readFile('/etc/selinux/config').toString('utf8'));
  // a type like ../x would name a file outside /etc/selinux: only plain names are policies
  if (!config.type || !/^[A-Za-z0-9_.-]+$/.test(config.type) || config.type.startsWith('.')) return undefined;
  const fileContexts = `/etc/selinux/${config.type}/contexts/files/file_contexts`;
  if (!tree.isFile(fileContexts)) return undefined;
  return { ...config, type: config.type, fileContexts };
}

/**
 * The files libselinux reads beside a file_contexts given by path (label_file.c): the local and home
 * directory additions and the path substitutions. The compiled .bin files are left out on purpose:
 * they are built by the image's PCRE, which the host's may not read.
 */
export const FILE_CONTEXTS_COMPANIONS = ['', '.homedirs', '.local', '.subs_dist', '.subs'] as const;

/**
 * Copy the policy's file_contexts and its companions out of the tree into `dir` (a workspace
 * directory), so the host tools read plain host files and no symlink of the tree. Returns the copy's path.
 */
export function copyFileContexts(tree: Tree, policy: SelinuxPolicy, dir: string): string {
  const dest = join(dir, 'file_contexts');
  for (const suffix of FILE_CONTEXTS_COMPANIONS) {
    const from = `${policy.fileContexts}${suffix}`;
    if (tree.isFile(from)) writeFileSync(`${dest}${suffix}`, tree.readFile(from));
  }
  return dest;
}
