// Tasks the CLI value tests run: each echoes what it was given, so the printed result shows how
// the command line read the value and how the output was printed.
import { t, task } from '@tflyte/core';

export const echoMap = task({ inputs: { m: t.map(t.int()) }, outputs: t.map(t.int()) }, function echoMap({ m }) {
  return m;
});

export const cachedEcho = task(
  { inputs: { m: t.map(t.int()) }, outputs: t.map(t.int()), cache: { version: '1' } },
  function cachedEcho({ m }) {
    return m;
  },
);

export const echoStruct = task({ inputs: { s: t.struct() }, outputs: t.struct() }, function echoStruct({ s }) {
  return s;
});

/** How deep the struct nests: `{"a":{"a":1}}` is 2. */
export const depth = task({ inputs: { s: t.struct() }, outputs: t.int() }, function depth({ s }) {
  let n = 0;
  for (let v: unknown = s; typeof v === 'object' && v !== null; v = Object.values(v)[0]) n++;
  return n;
});

export const echoDate = task({ inputs: { when: t.datetime() }, outputs: t.datetime() }, function echoDate({ when }) {
  return when;
});

export const durationLike = task({ inputs: {}, outputs: t.struct() }, function durationLike() {
  return { seconds: 90, nanos: 0 };
});

export const wait = task({ inputs: { d: t.duration() }, outputs: t.duration() }, function wait({ d }) {
  return d;
});

export const infinite = task({ inputs: {}, outputs: t.float() }, function infinite() {
  return Number.POSITIVE_INFINITY;
});

export const several = task({ inputs: {}, outputs: { x: t.float(), when: t.datetime(), raw: t.binary() } }, function several() {
  return { x: Number.NEGATIVE_INFINITY, when: new Date('2026-01-31T12:00:00Z'), raw: new Uint8Array([1, 2]) };
});

export const broken = task({ inputs: {}, outputs: t.int() }, function broken(): number {
  throw new Error('no data for the day');
});
