import { TypeMismatchError } from '../errors.ts';

/** A value record has a key its TypeRecord does not declare. */
export class UnknownFieldError extends TypeMismatchError {
  readonly declared: readonly string[];
  constructor(path: string, declared: readonly string[]) {
    super(path, 'a declared field', 'an unknown field');
    this.declared = declared;
    this.message = `${path}: unknown field; the declared fields are ${declared.length === 0 ? '(none)' : declared.join(', ')}`;
  }
}

/** A value fits more than one variant of a union, so the literal would not say which one it is. */
export class AmbiguousUnionError extends TypeMismatchError {
  readonly candidates: readonly string[];
  constructor(path: string, expected: string, candidates: readonly string[]) {
    super(path, expected, `a value matching ${candidates.join(' and ')}`);
    this.candidates = candidates;
    this.message =
      `${path || 'value'}: ambiguous value for ${expected}: it matches ${candidates.join(' and ')}; ` +
      'make the union variants distinguishable or pass a value only one of them accepts';
  }
}
