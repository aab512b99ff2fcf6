/**
 * `tflyte completion bash|zsh|fish`: a completion script for the shell, generated from the command
 * table in help.ts, so a new command or flag completes without editing three scripts. It completes
 * commands, subcommands, each command's own flags and TypeScript files; task names and their input
 * flags are not completed (that would load the user's modules on every Tab).
 */
import { COMMANDS, GLOBAL_FLAGS } from '../help.ts';
import { UsageError } from '../usage-error.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: string | undefined): string {
  switch (shell) {
    case 'bash':
      return bash();
    case 'zsh':
      return zsh();
    case 'fish':
      return fish();
    default:
      throw new UsageError(
        `completion: which shell? use 'tflyte completion bash', 'zsh' or 'fish'${shell === undefined ? '' : ` (got '${shell}')`}`,
      );
  }
}

const names = COMMANDS.map((c) => c.name).join(' ');

function bash(): string {
  const cases = COMMANDS.map((c) => {
    const words = [...(c.subcommands ?? []), ...c.flags].join(' ');
    const files = c.files
      ? `\n      [[ "$cur" != -* ]] && COMPREPLY+=( $(compgen -f -X '!*.@(ts|mts)' -- "$cur") $(compgen -d -- "$cur") )`
      : '';
    return `    ${c.name})\n      COMPREPLY=( $(compgen -W "${words}" -- "$cur") )${files}\n      ;;`;
  }).join('\n');
  return `# bash completion for tflyte (tflyte completion bash)
_tflyte() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" command="" i
  for (( i = 1; i < COMP_CWORD; i++ )); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) command="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=( $(compgen -W "${names} ${GLOBAL_FLAGS.join(' ')}" -- "$cur") )
    return
  fi
  shopt -s extglob
  case "$command" in
${cases}
  esac
}
complete -o filenames -F _tflyte tflyte
`;
}

function zsh(): string {
  const described = COMMANDS.map((c) => `    '${c.name}:${c.summary.replaceAll("'", "'\\''").replaceAll(':', '\\:')}'`).join('\n');
  const cases = COMMANDS.map((c) => {
    const words = [...(c.subcommands ?? []), ...c.flags].join(' ');
    return `    ${c.name}) compadd -- ${words}${c.files ? "; _files -g '*.(ts|mts)'" : ''} ;;`;
  }).join('\n');
  return `#compdef tflyte
# zsh completion for tflyte (tflyte completion zsh)
_tflyte() {
  local -a commands
  commands=(
${described}
  )
  local command="" word
  for word in \${words[2,CURRENT-1]}; do
    [[ $word != -* ]] && { command=$word; break; }
  done
  if [[ -z $command ]]; then
    _describe 'command' commands
    compadd -- ${GLOBAL_FLAGS.join(' ')}
    return
  fi
  case $command in
${cases}
  esac
}
compdef _tflyte tflyte
`;
}

function fish(): string {
  const lines = [
    '# fish completion for tflyte (tflyte completion fish)',
    'complete -c tflyte -f',
    ...GLOBAL_FLAGS.map((flag) => `complete -c tflyte -n __fish_use_subcommand -l ${flag.slice(2)}`),
  ];
  for (const c of COMMANDS) {
    lines.push(`complete -c tflyte -n __fish_use_subcommand -a ${c.name} -d '${c.summary.replaceAll("'", "\\'")}'`);
    const on = `-n '__fish_seen_subcommand_from ${c.name}'`;
    if (c.subcommands?.length) lines.push(`complete -c tflyte ${on} -a '${c.subcommands.join(' ')}'`);
    for (const flag of c.flags) lines.push(`complete -c tflyte ${on} -l ${flag.slice(2)}`);
    if (c.files) lines.push(`complete -c tflyte ${on} -F -a '(__fish_complete_suffix .ts)'`);
  }
  return `${lines.join('\n')}\n`;
}
