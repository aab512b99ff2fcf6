import { describe, expect, it } from 'vitest';
import { parallelizedMean, preparePartitions } from './parallel.ts';

describe('examples/parallel', () => {
  it('computes the mean of 1..10 through prepare → map → reduce', async () => {
    expect(await parallelizedMean({ values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })).toBe(5.5);
  });

  it('uses the default partition count', async () => {
    expect(await preparePartitions({ values: [1, 2, 3, 4, 5, 6], nPartitions: 3 })).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(await parallelizedMean({ values: [2, 4], nPartitions: 5 })).toBe(3);
  });
});
