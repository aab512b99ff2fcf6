import { describe, expect, it } from 'vitest';
import { mean, slope } from './basics.ts';

describe('examples/basics', () => {
  it('mean of 1.0..10.0 is 5.5', async () => {
    expect(await mean({ values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })).toBe(5.5);
  });

  it('slope of x=[-3,0,3], y=[7,4,-2] is -1.5', async () => {
    expect(await slope({ x: [-3, 0, 3], y: [7, 4, -2] })).toBe(-1.5);
  });

  it('is named by module and function, as Flyte names tasks', () => {
    expect(mean.name).toBe('examples.basics.mean');
    expect(slope.name).toBe('examples.basics.slope');
  });
});
