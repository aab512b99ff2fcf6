/**
 * Benchmark: encoding and decoding the messages the executor handles — an element's LiteralMap and
 * a TaskTemplate — with `@tflyte/idl` (protobuf-es) against flyteidl's own protobufjs code, on the
 * same bytes. Sides alternate in fresh processes; every decoded message is checked.
 *
 *   node --conditions=@tflyte/source tools/src/bench/idl-encoding.ts [iterations]
 */
import { createRequire } from 'node:module';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { t, task, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { measure, of, paired, runSide, type Sample, show, sideArgs, verdict } from './paired.ts';

const record = task(
  {
    inputs: { id: t.int(), name: t.string(), score: t.float(), tags: t.list(t.string()), ok: t.bool() },
    outputs: t.int(),
    retries: 2,
    cache: { version: '1' },
  },
  function record({ id }) {
    return id;
  },
);
const elementBytes = (i: number): Uint8Array =>
  toBinary(
    LiteralMapSchema,
    toLiteralMap(record.inputs, { id: i, name: `item-${i}`, score: i / 7, tags: ['a', 'b', `t${i % 10}`], ok: i % 2 === 0 }) as LiteralMap,
  );
const templateBytes = toBinary(TaskTemplateSchema, toTaskTemplate(record, { image: 'ghcr.io/example/app:1' }));

interface Codec {
  decodeMap(bytes: Uint8Array): unknown;
  encodeMap(message: unknown): Uint8Array;
  decodeTemplate(bytes: Uint8Array): unknown;
  encodeTemplate(message: unknown): Uint8Array;
  idOf(map: unknown): unknown;
}

function protobufEs(): Codec {
  return {
    decodeMap: (bytes) => fromBinary(LiteralMapSchema, bytes),
    encodeMap: (message) => toBinary(LiteralMapSchema, message as LiteralMap),
    decodeTemplate: (bytes) => fromBinary(TaskTemplateSchema, bytes),
    encodeTemplate: (message) => toBinary(TaskTemplateSchema, message as never),
    idOf: (map) => {
      const v = (map as LiteralMap).literals.id?.value;
      return v?.case === 'scalar' && v.value.value.case === 'primitive' ? Number(v.value.value.value.value.value) : undefined;
    },
  };
}

function protobufJs(): Codec {
  interface Type {
    decode(bytes: Uint8Array): unknown;
    encode(message: unknown): { finish(): Uint8Array };
  }
  const { flyteidl } = createRequire(import.meta.url)('@flyteorg/flyteidl/gen/pb-js/flyteidl.js') as {
    flyteidl: { core: Record<string, Type> };
  };
  const map = flyteidl.core.LiteralMap!;
  const template = flyteidl.core.TaskTemplate!;
  return {
    decodeMap: (bytes) => map.decode(bytes),
    encodeMap: (message) => map.encode(message).finish(),
    decodeTemplate: (bytes) => template.decode(bytes),
    encodeTemplate: (message) => template.encode(message).finish(),
    idOf: (decoded) =>
      Number(
        (
          decoded as { literals: Record<string, { scalar: { primitive: { integer: { toString(): string } } } }> }
        ).literals.id!.scalar.primitive.integer.toString(),
      ),
  };
}

function side(codec: Codec, what: 'map' | 'template', n: number): void {
  const inputs = Array.from({ length: 1000 }, (_, i) => elementBytes(i));
  const done = measure();
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    if (what === 'map') {
      const i = k % inputs.length;
      const decoded = codec.decodeMap(inputs[i]!);
      if (codec.idOf(decoded) !== i) throw new Error(`element ${k}: wrong id`);
      bytes += codec.encodeMap(decoded).length;
    } else {
      bytes += codec.encodeTemplate(codec.decodeTemplate(templateBytes)).length;
    }
  }
  if (what === 'template' && bytes !== n * templateBytes.length) throw new Error('template bytes changed in a round trip');
  done({ bytes });
}

type Side = 'es-map' | 'js-map' | 'es-template' | 'js-template';

export function runIdlEncoding(n: number, rounds: number): { text: string; samples: Record<Side, Sample[]> } {
  const run = (s: Side) => runSide(import.meta.filename, s, [n]);
  const maps = paired<Side>(['es-map', 'js-map'], rounds, run);
  const templates = paired<Side>(['es-template', 'js-template'], rounds, run);
  const samples = { ...maps, ...templates } as Record<Side, Sample[]>;
  const row = (label: string, s: Side) => `    ${label.padEnd(30)} cpu ${show(of(samples[s], 'cpuMs'))} ms`;
  const ratio = (a: Side, b: Side) => of(samples[a], 'cpuMs').median / of(samples[b], 'cpuMs').median;
  return {
    samples,
    text: [
      `${n.toLocaleString('en')} decode + encode round trips per run; ${rounds} alternating runs per side, medians (min–max)`,
      row('LiteralMap, @tflyte/idl', 'es-map'),
      row('LiteralMap, protobufjs', 'js-map'),
      row('TaskTemplate, @tflyte/idl', 'es-template'),
      row('TaskTemplate, protobufjs', 'js-template'),
      `  library ratios (informational): LiteralMap ${ratio('es-map', 'js-map').toFixed(2)}x, TaskTemplate ${ratio('es-template', 'js-template').toFixed(2)}x`,
      // What the executor encodes per element (see executor/attempt.ts): in-process tasks nothing;
      // persisted backends inputs.pb and outputs.pb (two LiteralMaps); the template once per array.
      '  per element the executor encodes: in-process 0 messages; persisted backend 2 LiteralMaps, 0 TaskTemplates',
      verdict('persisted element: LiteralMap round trip vs protobufjs', ratio('es-map', 'js-map'), 1.0),
    ].join('\n'),
  };
}

const child = sideArgs();
if (child !== undefined) {
  const [lib, what] = child.side.split('-') as ['es' | 'js', 'map' | 'template'];
  side(lib === 'es' ? protobufEs() : protobufJs(), what, Number(child.args[0]));
} else if (import.meta.main) {
  console.log(runIdlEncoding(Number(process.argv[2] ?? 100_000), 3).text);
}
