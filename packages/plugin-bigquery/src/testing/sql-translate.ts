/**
 * GoogleSQL text as DuckDB reads it, for the test server: backquoted names (`` `project.dataset.table` ``,
 * whose project is dropped: a dataset is a DuckDB schema) become double-quoted ones, double-quoted
 * strings become single-quoted, `#` comments become `--`, and `@name` parameters become `$name`.
 * Only the query's own text is rewritten; values arrive as bound parameters.
 */
export function toDuckDbSql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // A GoogleSQL string: backslash escapes; written out as a DuckDB single-quoted string.
      let j = i + 1;
      let text = '';
      while (j < sql.length && sql[j] !== c) {
        if (sql[j] === '\\' && j + 1 < sql.length) {
          text += sql[j + 1];
          j += 2;
        } else text += sql[j++];
      }
      out += `'${text.replaceAll("'", "''")}'`;
      i = j + 1;
    } else if (c === '`') {
      const close = sql.indexOf('`', i + 1);
      const name = sql.slice(i + 1, close === -1 ? sql.length : close);
      const parts = name.split('.');
      out += (parts.length === 3 ? parts.slice(1) : parts).map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
      i = close === -1 ? sql.length : close + 1;
    } else if (c === '#' || (c === '-' && next === '-')) {
      const end = sql.indexOf('\n', i);
      out += `--${sql.slice(i + (c === '#' ? 1 : 2), end === -1 ? sql.length : end)}`;
      i = end === -1 ? sql.length : end;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      out += sql.slice(i, end === -1 ? sql.length : end + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === '@' && /[A-Za-z_]/.test(next ?? '')) {
      const match = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i)) as RegExpExecArray;
      out += `$${match[1]}`;
      i += match[0].length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Names of the `@name` parameters a GoogleSQL text uses, outside strings, names and comments. */
export function parameterNames(sql: string): Set<string> {
  const names = new Set<string>();
  for (const match of toDuckDbSql(sql)
    .replace(/'([^']|'')*'|"([^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    names.add(match[1] as string);
  }
  return names;
}

/** Whether the statement returns rows (and so gets a destination table). */
export function isQueryStatement(sql: string): boolean {
  const text = sql
    .replace(/--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trimStart()
    .replace(/^\(+\s*/, '');
  return /^(SELECT|WITH|VALUES|FROM)\b/i.test(text);
}
