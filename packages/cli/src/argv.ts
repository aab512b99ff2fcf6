/**
 * Splits a command line into known options and the rest. Options may come before or after
 * positionals (`--json` anywhere before the task name); everything after the task name belongs to
 * the task's own input flags.
 */
import { UsageError } from './usage-error.ts';

export interface OptionSpec {
  readonly [name: string]: 'boolean' | 'string';
}

export interface Parsed {
  readonly options: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
  readonly rest: string[];
}

/** Parses until `positionalCount` positionals are found; the remaining tokens go to `rest`. */
export function parseArgv(command: string, argv: readonly string[], spec: OptionSpec, positionalCount: number): Parsed {
  const options: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  let i = 0;
  for (; i < argv.length && positionals.length < positionalCount; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) {
      throw new UsageError(`${command}: unknown option --${name} (options: ${Object.keys(spec).map((o) => `--${o}`).join(', ') || 'none'})`);
    }
    if (kind === 'boolean') {
      options[name] = true;
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    options[name] = value;
  }
  return { options, positionals, rest: argv.slice(i) };
}
