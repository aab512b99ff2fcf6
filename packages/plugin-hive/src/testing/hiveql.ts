/**
 * HiveQL's lexical rules, applied so DuckDB can run a Hive statement: string literals in single or
 * double quotes with backslash escapes (Hive's unescapeSQLString), backquoted identifiers, `--`
 * comments, one statement per ExecuteStatement. The test server lexes exactly as Hive does, so a
 * value that would break out of a literal on Hive breaks out here too, and injection tests mean
 * something.
 */

export class HiveParseError extends Error {}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\u0000',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\u001a',
  '\\': '\\',
  // Kept escaped for LIKE patterns, as Hive does.
  '%': '\\%',
  _: '\\_',
};

/** One HiveQL statement → DuckDB SQL. Throws HiveParseError as Hive's parser would refuse it. */
export function hiveToDuckDB(statement: string): string {
  let out = '';
  let i = 0;
  let ended = false;
  while (i < statement.length) {
    const c = statement[i]!;
    if (ended && !/\s/.test(c)) throw new HiveParseError(`line 1:${i} extraneous input '${c}': one statement per ExecuteStatement`);
    if (c === "'" || c === '"') {
      const { value, next } = readString(statement, i);
      out += duckString(value);
      i = next;
    } else if (c === '`') {
      const { name, next } = readQuoted(statement, i);
      out += `"${name.replaceAll('"', '""')}"`;
      i = next;
    } else if (c === '-' && statement[i + 1] === '-') {
      const end = statement.indexOf('\n', i);
      i = end === -1 ? statement.length : end;
    } else if (c === ';') {
      ended = true;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function readString(text: string, start: number): { value: string; next: number } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) return { value, next: i + 1 };
    if (c === '\\') {
      const e = text[i + 1];
      if (e === undefined) break;
      value += ESCAPES[e] ?? e;
      i += 2;
    } else {
      value += c;
      i += 1;
    }
  }
  throw new HiveParseError(`line 1:${start} character '<EOF>' not supported here: unterminated string literal`);
}

function readQuoted(text: string, start: number): { name: string; next: number } {
  let name = '';
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '`') {
      if (text[i + 1] === '`') {
        name += '`';
        i += 2;
        continue;
      }
      return { name, next: i + 1 };
    }
    name += text[i];
    i += 1;
  }
  throw new HiveParseError(`line 1:${start} unterminated quoted identifier`);
}

function duckString(value: string): string {
  // DuckDB's standard strings have no escapes; NUL cannot appear in one, so it is spliced in with chr(0).
  const parts = value.split('\u0000').map((p) => `'${p.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || chr(0) || ')})`;
}
