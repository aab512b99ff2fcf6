import { describe, expect, it } from 'vitest';
import { parseRange, satisfies } from './semver.ts';

const cases: ReadonlyArray<readonly [range: string, yes: readonly string[], no: readonly string[]]> = [
  ['1.2.3', ['1.2.3'], ['1.2.4', '1.2.3-beta']],
  ['=1.2.3', ['1.2.3'], ['1.2.2']],
  ['^1.2.3', ['1.2.3', '1.9.0', '1.2.10'], ['2.0.0', '1.2.2', '2.0.0-alpha', '1.3.0-beta']],
  ['^0.1.0', ['0.1.0', '0.1.9'], ['0.2.0', '0.0.9']],
  ['^0.0.3', ['0.0.3'], ['0.0.4', '0.1.0']],
  ['^0.x', ['0.0.1', '0.9.9'], ['1.0.0']],
  ['^1.2.3-beta.2', ['1.2.3-beta.2', '1.2.3-beta.10', '1.2.3', '1.4.0'], ['1.2.3-beta.1', '1.2.4-beta', '2.0.0']],
  ['~1.2.3', ['1.2.3', '1.2.9'], ['1.3.0', '1.2.2']],
  ['~1.2', ['1.2.0', '1.2.5'], ['1.3.0']],
  ['~1', ['1.0.0', '1.9.9'], ['2.0.0']],
  ['>=1.2.3', ['1.2.3', '5.0.0'], ['1.2.2']],
  ['>= 1.2.3 < 2', ['1.2.3', '1.99.0'], ['2.0.0', '2.0.0-rc.1']],
  ['>1.2', ['1.3.0'], ['1.2.9']],
  ['<1.2', ['1.1.9'], ['1.2.0', '1.2.0-beta']],
  ['<=1.2', ['1.2.9'], ['1.3.0']],
  ['1.x', ['1.0.0', '1.5.2'], ['2.0.0', '0.9.0']],
  ['1.2.*', ['1.2.0', '1.2.7'], ['1.3.0']],
  ['*', ['0.0.0', '9.9.9'], ['1.0.0-beta']],
  ['', ['0.1.0'], []],
  ['1.2 - 2.3.4', ['1.2.0', '2.3.4'], ['2.3.5', '1.1.9']],
  ['1.2.3 - 2', ['1.2.3', '2.9.9'], ['3.0.0']],
  ['^0.1.0 || ^1.0.0', ['0.1.5', '1.4.0'], ['0.2.0', '2.0.0']],
  ['<1.0.0 || >=3', ['0.5.0', '3.1.0'], ['1.5.0']],
];

describe('semver ranges', () => {
  for (const [range, yes, no] of cases) {
    it(`'${range}' matches ${yes.join(', ') || 'nothing listed'} and not ${no.join(', ') || 'nothing listed'}`, () => {
      for (const version of yes) expect(satisfies(version, range), `${version} in ${range}`).toBe(true);
      for (const version of no) expect(satisfies(version, range), `${version} in ${range}`).toBe(false);
    });
  }

  it('rejects ranges and versions it cannot parse', () => {
    for (const bad of ['abc', '^', '1.2.3.4', '>=x.y.z junk', '1.2 -']) expect(parseRange(bad), bad).toBeUndefined();
    expect(satisfies('1.2', '*')).toBe(false);
    expect(satisfies('not-a-version', '*')).toBe(false);
    expect(satisfies('1.0.0', 'nope')).toBe(false);
  });

  it('normalizes a valid range the way npm writes it', () => {
    expect(parseRange('>= 1.2.3 < 2')).toBe('>=1.2.3 <2.0.0-0');
    expect(parseRange('^0.1.0 || ^1.0.0')).toBe('>=0.1.0 <0.2.0-0||>=1.0.0 <2.0.0-0');
  });
});
