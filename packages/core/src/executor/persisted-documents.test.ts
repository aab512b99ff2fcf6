import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, fromBinary } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AsyncBackend } from '../plugin/contract.ts';
import { succeeded } from '../plugin/status.ts';
import { toTaskTemplate } from '../serialize/task-template.ts';
import { inputsDocument, openStateStore, outputsDocument, type StateStore, TEMPLATE_DOCUMENT } from '../store/index.ts';
import { task } from '../task/function-task.ts';
import { fromLiteralMap, toLiteralMap } from '../types/literal-map.ts';
import { t } from '../types/t.ts';
import { createExecutor } from './executor.ts';

const double = task({ inputs: { x: t.int() }, outputs: t.int() }, function double({ x }) {
  return x * 2;
});

/** A remote service whose jobs have finished by the first status check; it counts its calls. */
function service() {
  const calls = { create: 0, get: 0 };
  const backend: AsyncBackend<{ readonly x: number }> = {
    name: 'instant',
    handleVersion: 1,
    async create(ctx) {
      calls.create += 1;
      return { x: double.inputs.x.fromLiteral(ctx.inputs.literals.x!) as number };
    },
    async get(handle) {
      calls.get += 1;
      return succeeded(toLiteralMap(double.outputs.types, { o0: handle.x * 2 }));
    },
    async delete() {},
  };
  return { backend, calls };
}

let dir: string;
let store: StateStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tflyte-documents-'));
  store = openStateStore(dir);
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a remote attempt’s documents', () => {
  it('keeps the template, the inputs and the outputs in the state store, writing no file for a backend that reads none', async () => {
    const { backend } = service();
    const template = toTaskTemplate(double, { image: 'x' });
    const executor = createExecutor({ store, stateDir: dir, backends: { container: backend } });
    const inputs = create(LiteralMapSchema, toLiteralMap(double.inputs, { x: 21 }));
    const outputs = await executor.run(template, inputs, { runId: 'r', nodeId: 'n0' });
    expect(fromLiteralMap(double.outputs.types, outputs)).toEqual({ o0: 42 });

    expect(store.getDocument('r', 'n0', TEMPLATE_DOCUMENT)).toBeInstanceOf(Uint8Array);
    expect(fromBinary(LiteralMapSchema, store.getDocument('r', 'n0', inputsDocument(0))!)).toEqual(inputs);
    expect(store.getDocument('r', 'n0', outputsDocument(0))).toBeInstanceOf(Uint8Array);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('writes inputs.pb beside the attempt before a backend that reads its location gets it', async () => {
    const { backend } = service();
    const seen: Uint8Array[] = [];
    const reading: AsyncBackend<{ readonly x: number }> = {
      ...backend,
      async create(ctx) {
        // As a pod or a local process would: the file at inputsUri, read right away.
        seen.push(await readFile(fileURLToPath(ctx.inputsUri)));
        return backend.create(ctx);
      },
    };
    const inputs = create(LiteralMapSchema, toLiteralMap(double.inputs, { x: 4 }));
    const executor = createExecutor({ store, stateDir: dir, backends: { container: reading } });
    await executor.run(toTaskTemplate(double, { image: 'x' }), inputs, { runId: 'r', nodeId: 'n0' });
    expect(seen.map((bytes) => fromBinary(LiteralMapSchema, bytes))).toEqual([inputs]);
    expect(await readdir(join(dir, 'runs', 'r', 'n0', '0'))).toEqual(['inputs.pb']);
  });

  it('gives a restarted executor the recorded outputs of a finished run without asking the backend again', async () => {
    const first = service();
    const template = toTaskTemplate(double, { image: 'x' });
    const inputs = create(LiteralMapSchema, toLiteralMap(double.inputs, { x: 5 }));
    await createExecutor({ store, stateDir: dir, backends: { container: first.backend } }).run(template, inputs, { runId: 'r' });

    const second = service();
    const reopened = openStateStore(dir);
    try {
      const again = createExecutor({ store: reopened, stateDir: dir, backends: { container: second.backend } });
      const outputs = await again.run(template, inputs, { runId: 'r' });
      expect(fromLiteralMap(double.outputs.types, outputs)).toEqual({ o0: 10 });
    } finally {
      reopened.close();
    }
    expect(first.calls).toEqual({ create: 1, get: 1 });
    expect(second.calls).toEqual({ create: 0, get: 0 });
    expect(existsSync(join(dir, 'runs', 'r', 'n0', '0', 'outputs.pb'))).toBe(false);
  });
});
