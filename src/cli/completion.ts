/**
 * Shell completion. `kiln completion bash|zsh|fish` prints a script that asks the hidden
 * `kiln __complete CWORD WORD...` for the candidates of the word being completed: the commands,
 * each command's options (from the settings declaration), element names from ELEMENTS_PATH and
 * Kiln's own, the fixed arguments (cache list|prune). No candidate: the shell completes file names.
 */
import { join } from 'node:path';
import { buildFlags, SETTINGS } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { scanElements } from '../elements/scan.js';
import type { KilnCommand } from './commands/types.js';
import { REPO_ROOT } from './paths.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Commands that take the build's options and ELEMENTs (and disk-image-create itself). */
const BUILD_LIKE = new Set(['build', 'plan', 'verify-reproducible', 'disk-image-create']);
/** Fixed words of a command's first positional. */
const FIXED: Record<string, string[]> = {
  cache: ['list', 'prune'],
  completion: [...SHELLS],
  'block-device': ['create'],
};
const COMMON = ['--help', '-h', '--version', '--debug'];
/** diskimage-builder's options (build-file-cli.ts); kiln build takes them after -f FILE */
const BUILD_FILE_FLAGS = ['--jobs', '-j', '--stop-on-failure', '--dry-run', '--json', ...COMMON];

function flagsOf(command: string): string[] {
  if (BUILD_LIKE.has(command)) {
    const fromSettings = buildFlags().flatMap((s) => [...(s.short ? [`-${s.short}`] : []), ...(s.long ? [`--${s.long}`] : [])]);
    const own = command === 'verify-reproducible' ? ['--cold', '--keep'] : command === 'build' ? ['-f', '--file'] : [];
    return [...own, ...fromSettings, '--help', '-h', '--version'];
  }
  const declared = SETTINGS.filter((s) => s.commands?.includes(command) && s.long).map((s) => `--${s.long}`);
  return [...declared, ...COMMON];
}

export interface CompletionContext {
  commands: KilnCommand[];
  elementsPath: string[];
}

/** The first word of a yargs command string ('boot-test <image>' -> 'boot-test'), undefined when hidden. */
function commandName(c: KilnCommand): string | undefined {
  if (c.describe === false) return undefined;
  const cmd = Array.isArray(c.command) ? c.command[0] : c.command;
  return typeof cmd === 'string' ? cmd.split(' ')[0] : undefined;
}

/**
 * The candidates for words[cword] (words[0] is the program: kiln or disk-image-create), those
 * starting with what is typed so far. Sorted, without duplicates.
 */
export function completionCandidates(words: string[], cword: number, ctx: CompletionContext): string[] {
  const current = words[cword] ?? '';
  const prog = (words[0] ?? 'kiln').split('/').pop()!;
  const done = words.slice(1, cword);
  let candidates: string[];
  // diskimage-builder: its options, else build files (the shell completes file names)
  if (prog === 'diskimage-builder') return current.startsWith('-') ? BUILD_FILE_FLAGS.filter((c) => c.startsWith(current)).sort() : [];
  // kiln build -f FILE: a file
  if (done[done.length - 1] === '-f' || done[done.length - 1] === '--file') return [];
  // disk-image-create: the build's options and elements from the first word on
  const command = prog === 'disk-image-create' ? 'disk-image-create' : done.find((w) => !w.startsWith('-'));
  if (command === undefined) {
    candidates = current.startsWith('-') ? COMMON : ctx.commands.map(commandName).filter((n): n is string => !!n);
  } else if (current.startsWith('-')) {
    // `kiln plan block-device --...`: the subcommand's options
    const sub = command === 'plan' && done.includes('block-device') ? 'plan block-device' : command === 'block-device' ? 'block-device create' : command;
    candidates = flagsOf(sub);
  } else {
    const positionals = done.slice(done.indexOf(command) + 1).filter((w) => !w.startsWith('-'));
    const fixed = FIXED[command];
    if (fixed && positionals.length === 0) candidates = fixed;
    else if (BUILD_LIKE.has(command) || (command === 'elements' && positionals.length === 0)) {
      candidates = [...scanElements(ctx.elementsPath).elements.keys()];
      if (command === 'plan' && positionals.length === 0) candidates.push('block-device');
    } else candidates = []; // files: the shell completes them
  }
  return [...new Set(candidates.filter((c) => c.startsWith(current)))].sort();
}

/** The launcher the scripts call: this checkout's bin/kiln, so the script works without kiln on PATH. */
function launcher(): string {
  return join(REPO_ROOT, 'bin', 'kiln');
}
const sq = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

export function completionScript(shell: string): string {
  const kiln = sq(launcher());
  switch (shell) {
    case 'bash':
      return `# kiln, disk-image-create and diskimage-builder completion for bash: eval "$(kiln completion bash)", or save it in
# ~/.local/share/bash-completion/completions/kiln
_kiln_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(${kiln} __complete "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null))
}
complete -o default -F _kiln_complete kiln disk-image-create diskimage-builder
`;
    case 'zsh':
      return `#compdef kiln disk-image-create diskimage-builder
# kiln, disk-image-create and diskimage-builder completion for zsh: eval "$(kiln completion zsh)" after compinit, or save
# it as _kiln in a directory of $fpath
_kiln() {
  local -a candidates
  candidates=("\${(@f)$(${kiln} __complete "$((CURRENT - 1))" "\${words[@]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
compdef _kiln kiln disk-image-create diskimage-builder
`;
    case 'fish':
      return `# kiln, disk-image-create and diskimage-builder completion for fish: kiln completion fish | source, or save it in
# ~/.config/fish/completions/kiln.fish
function __kiln_complete
  set -l words (commandline -opc)
  ${kiln} __complete (count $words) $words (commandline -ct) 2>/dev/null
end
complete -c kiln -a '(__kiln_complete)'
complete -c disk-image-create -a '(__kiln_complete)'
complete -c diskimage-builder -a '(__kiln_complete)'
`;
    default:
      throw new UsageError(`kiln completion: no script for '${shell}'; choose one of ${SHELLS.join(', ')}`);
  }
}
