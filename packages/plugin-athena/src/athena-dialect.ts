/**
 * Athena's SQL dialect (Trino): `?` placeholders bound from ExecutionParameters, which Athena takes
 * as SQL literal text, each at most 1024 characters; double-quoted identifiers; queries of at most
 * 262,144 characters.
 */
import { ansiLiteral, QueryInputError, sqlDialect } from '@tflyte/warehouse';

/** Athena's limit on the length of one execution parameter. */
export const MAX_PARAMETER_LENGTH = 1024;
/** Athena's limit on QueryString. */
export const MAX_QUERY_LENGTH = 262_144;

export const athenaDialect = sqlDialect({
  name: 'Athena',
  binding: 'positional',
  maxQueryLength: MAX_QUERY_LENGTH,
  literal(input, value) {
    const text = ansiLiteral(input, value);
    if (value.type === 'string' && text.length > MAX_PARAMETER_LENGTH) {
      throw new QueryInputError(
        input,
        `is ${text.length} characters as a SQL literal; Athena takes execution parameters of at most ${MAX_PARAMETER_LENGTH} characters`,
      );
    }
    return text;
  },
});
