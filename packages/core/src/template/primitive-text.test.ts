import { describe, expect, it } from 'vitest';
import { formatPrimitiveGo } from './primitive-text.ts';

describe('formatPrimitiveGo', () => {
  it("prints floats as propeller's %v by default and as copilot's input files with 'f'", () => {
    expect(formatPrimitiveGo({ case: 'floatValue', value: 2e-5 })).toBe('2e-05');
    expect(formatPrimitiveGo({ case: 'floatValue', value: 2e-5 }, 'f')).toBe('0.00002');
  });

  it('prints the other primitives the same for both', () => {
    for (const floats of ['v', 'f'] as const) {
      expect(formatPrimitiveGo({ case: 'integer', value: -(1n << 63n) }, floats)).toBe('-9223372036854775808');
      expect(formatPrimitiveGo({ case: 'stringValue', value: 'a "b"' }, floats)).toBe('a "b"');
      expect(formatPrimitiveGo({ case: 'boolean', value: false }, floats)).toBe('false');
    }
  });

  it('has no text for an empty primitive', () => {
    expect(formatPrimitiveGo({ case: undefined, value: undefined })).toBeUndefined();
  });
});
