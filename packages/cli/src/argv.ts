/**
 * A command's own part of the command line, read by Node's `util.parseArgs`. Options may come before
 * or between positionals (`--json` anywhere before the task name); once the command's positionals are
 * found (a file and a task), every token after them belongs to the task's typed input flags, which
 * input-flags.ts reads by the task's declared types. `--` ends the command's part early.
 */
import { parseArgs } from 'node:util';
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
  const optionsConfig = Object.fromEntries(
    Object.entries(spec).map(([name, type]) => [name, name === 'help' ? { type, short: 'h' } : { type }]),
  );
  // Lenient here so unknown options come back as tokens: the errors below name the command and its options.
  const { tokens } = parseArgs({ args: [...argv], options: optionsConfig, strict: false, allowPositionals: true, tokens: true });
  const options: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  let end = argv.length;
  for (const token of tokens) {
    if (positionals.length >= positionalCount) {
      end = token.index;
      break;
    }
    if (token.kind === 'option-terminator') {
      end = token.index + 1;
      break;
    }
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    const kind = spec[token.name];
    if (kind === undefined) {
      const known =
        Object.keys(spec)
          .map((o) => `--${o}`)
          .join(', ') || 'none';
      throw new UsageError(
        `${command}: unknown option ${token.rawName} (options: ${known}; global options such as --verbose go before the command)`,
      );
    }
    if (kind === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${command}: --${token.name} takes no value`);
      options[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${command}: --${token.name} needs a value`);
    options[token.name] = token.value;
  }
  return { options, positionals, rest: argv.slice(end) };
}

/**
 * Where the command's own `--<flag>` is among `argv` (before the command's `positionalCount`
 * positionals end its part), or -1: the same token further on belongs to the task's inputs. An option
 * outside `spec` (another mode's, such as `run --remote --project p`) is taken to carry the next token
 * as its value unless that token is an option itself, so its value is not counted as a positional.
 */
export function indexOfOwnFlag(argv: readonly string[], flag: string, spec: OptionSpec, positionalCount: number): number {
  let positionals = 0;
  for (let i = 0; i < argv.length && positionals < positionalCount; i++) {
    const token = argv[i] as string;
    if (token === '--') return -1;
    if (!token.startsWith('-') || token === '-') {
      positionals++;
      continue;
    }
    const name = token.replace(/^--?/, '');
    if (name === flag) return i;
    if (name.includes('=')) continue;
    const kind = spec[name];
    const next = argv[i + 1];
    if (kind === 'string' || (kind === undefined && next !== undefined && !next.startsWith('-'))) i++;
  }
  return -1;
}
