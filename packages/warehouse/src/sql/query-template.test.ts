import { describe, expect, it } from 'vitest';
import { normalizeQuery, parseQueryTemplate, QueryTemplateError } from './query-template.ts';

const problem = (query: string): string => {
  try {
    parseQueryTemplate(query);
  } catch (error) {
    if (error instanceof QueryTemplateError) return error.problem;
    throw error;
  }
  throw new Error(`expected ${query} to be refused`);
};

describe('normalizeQuery', () => {
  it('turns every run of whitespace into one space and trims, as flytekit SQLTask does', () => {
    expect(normalizeQuery('\n  SELECT *\n\tFROM   t\r\n WHERE x = 1  \n')).toBe('SELECT * FROM t WHERE x = 1');
  });

  it('applies inside string literals too (flytekit normalizes the whole text)', () => {
    expect(normalizeQuery("SELECT 'a  \n b'")).toBe("SELECT 'a b'");
  });
});

describe('parseQueryTemplate', () => {
  it('finds references with or without spaces, in any case, as flytekit’s regex does', () => {
    const { references } = parseQueryTemplate('SELECT * FROM t WHERE a = {{ .inputs.a }} AND b = {{.inputs.b}} AND c = {{ .INPUTS.c }}');
    expect(references.map((r) => r.input)).toEqual(['a', 'b', 'c']);
    expect(references.every((r) => r.filter === 'value')).toBe(true);
  });

  it('reads the identifier and date filters', () => {
    const { references } = parseQueryTemplate('SELECT * FROM {{ .inputs.table | identifier }} WHERE day = {{ .inputs.day|DATE }}');
    expect(references).toEqual([
      { input: 'table', filter: 'identifier', text: '{{ .inputs.table | identifier }}' },
      { input: 'day', filter: 'date', text: '{{ .inputs.day|DATE }}' },
    ]);
  });

  it('splits the normalized statement into SQL text and references, in order', () => {
    const template = parseQueryTemplate("SELECT 'x' AS k\nFROM t WHERE a = {{ .inputs.a }} -- trailing");
    expect(template.statement).toBe("SELECT 'x' AS k FROM t WHERE a = {{ .inputs.a }} -- trailing");
    expect(template.parts).toEqual([
      "SELECT 'x' AS k FROM t WHERE a = ",
      { input: 'a', filter: 'value', text: '{{ .inputs.a }}' },
      ' -- trailing',
    ]);
  });

  it('is the same for the query as written and for its normalized statement', () => {
    const query = 'SELECT *\n  FROM t\n  WHERE a = {{  .inputs.a  }}';
    expect(parseQueryTemplate(parseQueryTemplate(query).statement)).toEqual(parseQueryTemplate(query));
  });

  it('leaves braces, question marks and quotes inside string literals and identifiers alone', () => {
    const { references } = parseQueryTemplate(`SELECT '{{x}} ?', "we""ird?", 'it''s' FROM t WHERE a = {{ .inputs.a }}`);
    expect(references.map((r) => r.input)).toEqual(['a']);
  });

  it('refuses a reference inside a string literal, saying to drop the quotes', () => {
    expect(problem("SELECT * FROM t WHERE region = '{{ .inputs.region }}'")).toMatch(/inside a string literal: remove the quotes/);
  });

  it('refuses a reference inside a quoted identifier, pointing to | identifier', () => {
    expect(problem('SELECT * FROM "{{ .inputs.table }}"')).toMatch(/inside a quoted identifier.*\| identifier/);
    expect(problem('SELECT * FROM `{{ .inputs.table }}`')).toMatch(/inside a quoted identifier/);
  });

  it('refuses a reference inside a comment', () => {
    expect(problem('SELECT 1 /* {{ .inputs.a }} */')).toMatch(/inside a comment/);
    expect(problem('SELECT 1 -- {{ .inputs.a }}')).toMatch(/inside a comment/);
  });

  it('refuses a line comment followed by more SQL, which normalization would turn into a comment', () => {
    expect(problem('SELECT a -- the key\nFROM t')).toMatch(/line comment \("-- the key"\) followed by more SQL.*\/\* … \*\//);
  });

  it('refuses ? placeholders: references are the only parameters', () => {
    expect(problem('SELECT * FROM t WHERE a = ?')).toMatch(/'\?' placeholder at character 27/);
  });

  it('refuses other template syntax instead of sending it to Athena', () => {
    expect(problem('SELECT * FROM t WHERE a = {{ .PerRetryUniqueKey }}')).toMatch(
      /"{{ .PerRetryUniqueKey }}", which is not an input reference/,
    );
    expect(problem('SELECT {{ .inputs.a | upper }}')).toMatch(/unknown filter 'upper'/);
  });

  it('refuses unterminated strings, identifiers and comments', () => {
    expect(problem("SELECT 'abc")).toMatch(/unterminated string literal/);
    expect(problem('SELECT "abc')).toMatch(/unterminated quoted identifier/);
    expect(problem('SELECT 1 /* abc')).toMatch(/unterminated block comment/);
  });

  it('refuses an empty query', () => {
    expect(problem(' \n\t ')).toMatch(/is empty/);
  });
});

describe('parseQueryTemplate with a dialect’s lexical rules', () => {
  const googleSql = {
    lexical: {
      stringQuotes: ["'", '"'],
      identifierQuotes: ['`'],
      backslashEscapes: true,
      tripleQuotedStrings: true,
      lineComments: ['--', '#'],
    },
  };
  const refused = (query: string, dialect = googleSql): string => {
    try {
      parseQueryTemplate(query, dialect);
    } catch (error) {
      if (error instanceof QueryTemplateError) return error.problem;
      throw error;
    }
    throw new Error(`expected ${query} to be refused`);
  };

  it('reads a backslash-escaped quote as part of the string, so a reference after it is code', () => {
    const { references } = parseQueryTemplate("SELECT 'it\\'s' AS a, {{ .inputs.x }} AS b", googleSql);
    expect(references.map((r) => r.input)).toEqual(['x']);
    // ANSI has no backslash escape: the same text ends the string at \' and opens a new one.
    expect(problem("SELECT 'it\\'s' AS a, {{ .inputs.x }} AS b")).toMatch(/inside a string literal/);
  });

  it('treats double quotes as strings and backquotes as names in GoogleSQL', () => {
    expect(refused('SELECT "{{ .inputs.x }}"')).toMatch(/inside a string literal/);
    expect(refused('SELECT `{{ .inputs.x }}`')).toMatch(/inside a quoted identifier/);
  });

  it('finds the end of a triple-quoted string that holds single quotes', () => {
    const { references } = parseQueryTemplate("SELECT '''it's ''' AS a, {{ .inputs.x }} AS b", googleSql);
    expect(references.map((r) => r.input)).toEqual(['x']);
    expect(refused("SELECT '''it's {{ .inputs.x }}'''")).toMatch(/inside a string literal/);
  });

  it('knows # comments: a reference in one is refused, and one followed by more lines would swallow them', () => {
    expect(refused('SELECT 1 # {{ .inputs.x }}')).toMatch(/inside a comment/);
    expect(refused('SELECT 1 # note\nFROM t')).toMatch(/line comment \("# note"\) followed by more SQL/);
    expect(parseQueryTemplate('SELECT 1 # trailing', googleSql).parts).toEqual(['SELECT 1 # trailing']);
  });

  it('keeps ANSI rules by default: # is code there', () => {
    expect(parseQueryTemplate('SELECT 1 # 2, {{ .inputs.x }}').references).toHaveLength(1);
  });
});
