// Type-level specification of `t`: checked by `tsc -p tsconfig.json` (typecheck), not run by vitest.
import { expectTypeOf } from 'vitest';
import type { Duration, FlyteDirectory, FlyteFile, FlyteType, Infer, InferInputs, JsonObject, StructuredDatasetRef } from './flyte-type.ts';
import { t } from './t.ts';

// Scalars
expectTypeOf<Infer<ReturnType<typeof t.int>>>().toEqualTypeOf<number>();
expectTypeOf<Infer<ReturnType<typeof t.float>>>().toEqualTypeOf<number>();
expectTypeOf<Infer<ReturnType<typeof t.string>>>().toEqualTypeOf<string>();
expectTypeOf<Infer<ReturnType<typeof t.bool>>>().toEqualTypeOf<boolean>();
expectTypeOf<Infer<ReturnType<typeof t.datetime>>>().toEqualTypeOf<Date>();
expectTypeOf<Infer<ReturnType<typeof t.duration>>>().toEqualTypeOf<Duration>();
expectTypeOf<Infer<ReturnType<typeof t.none>>>().toEqualTypeOf<null>();
expectTypeOf<Infer<ReturnType<typeof t.binary>>>().toEqualTypeOf<Uint8Array>();
expectTypeOf<Infer<ReturnType<typeof t.struct>>>().toEqualTypeOf<JsonObject>();
expectTypeOf<Infer<ReturnType<typeof t.file>>>().toEqualTypeOf<FlyteFile>();
expectTypeOf<Infer<ReturnType<typeof t.directory>>>().toEqualTypeOf<FlyteDirectory>();
expectTypeOf<Infer<ReturnType<typeof t.dataset>>>().toEqualTypeOf<StructuredDatasetRef>();

// Collections, via a value and via an instantiation expression
const floats = t.list(t.float());
expectTypeOf<Infer<typeof floats>>().toEqualTypeOf<number[]>();
expectTypeOf<Infer<ReturnType<typeof t.list<FlyteType<string>>>>>().toEqualTypeOf<string[]>();
expectTypeOf<Infer<ReturnType<typeof t.map<ReturnType<typeof t.int>>>>>().toEqualTypeOf<Record<string, number>>();
const grid = t.map(t.list(t.optional(t.bool())));
expectTypeOf<Infer<typeof grid>>().toEqualTypeOf<Record<string, (boolean | null)[]>>();

// Enums keep their literal members, with or without `as const`
const color = t.enum(['red', 'green'] as const);
expectTypeOf<Infer<typeof color>>().toEqualTypeOf<'red' | 'green'>();
expectTypeOf<Infer<ReturnType<typeof t.enum<['a', 'b']>>>>().toEqualTypeOf<'a' | 'b'>();
expectTypeOf(t.enum(['x', 'y']).values).toEqualTypeOf<readonly ('x' | 'y')[]>();

// Unions and optionals
expectTypeOf<Infer<ReturnType<typeof t.union<[FlyteType<number>, FlyteType<string>]>>>>().toEqualTypeOf<number | string>();
const intOrText = t.union(t.int(), t.string());
expectTypeOf<Infer<typeof intOrText>>().toEqualTypeOf<number | string>();
const maybeInt = t.optional(t.int());
expectTypeOf<Infer<typeof maybeInt>>().toEqualTypeOf<number | null>();
expectTypeOf(maybeInt.defaultValue).toEqualTypeOf<{ readonly value: number | null }>();

// default() and describe() keep the type (and its introspection members)
const withDefault = t.list(t.int()).default([1]);
expectTypeOf<Infer<typeof withDefault>>().toEqualTypeOf<number[]>();
expectTypeOf(withDefault.defaultValue).toEqualTypeOf<{ readonly value: number[] }>();
expectTypeOf(withDefault.element).toEqualTypeOf<FlyteType<number>>();
expectTypeOf(t.string().describe('x')).toEqualTypeOf<FlyteType<string>>();

// Inputs with a default (or optional) may be omitted; the others are required
const inputs = { n: t.int(), tag: t.optional(t.string()), rate: t.float().default(0.1) };
expectTypeOf<InferInputs<typeof inputs>>().toEqualTypeOf<{ n: number } & { tag?: string | null; rate?: number }>();

// Conversions are typed by the value type
floats.toLiteral([1, 2]);
// @ts-expect-error a list<float> does not take strings
floats.toLiteral(['x']);
// @ts-expect-error an enum takes only its members
color.toLiteral('blue');
// @ts-expect-error a default must be a value of the type
t.int().default('3');
expectTypeOf(floats.check).returns.toEqualTypeOf<number[]>();

// Records: required fields, omittable fields (optional or with a default), nesting, and field access
const order = t.record({ id: t.int(), note: t.optional(t.string()), qty: t.int().default(1), at: t.record({ when: t.datetime() }) });
expectTypeOf<Infer<typeof order>>().toEqualTypeOf<{ id: number; at: { when: Date }; note?: string | null; qty?: number }>();
expectTypeOf(order.fields.at.fields.when).toEqualTypeOf<FlyteType<Date>>();
order.toLiteral({ id: 1, at: { when: new Date() } });
// @ts-expect-error a record's required field must be given
order.toLiteral({ at: { when: new Date() } });
// @ts-expect-error a nested field keeps its type
order.toLiteral({ id: 1, at: { when: 'today' } });
const orders = t.list(order);
expectTypeOf<Infer<typeof orders>[number]['id']>().toEqualTypeOf<number>();
