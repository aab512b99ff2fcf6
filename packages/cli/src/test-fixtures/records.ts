// A task taking a typed record, for the CLI's record-input spec.
import { t, task } from '@tflyte/core';

const order = t.record(
  {
    id: t.int(),
    placed: t.datetime(),
    lines: t.list(t.record({ sku: t.string(), qty: t.int().default(1) })),
    note: t.optional(t.string()),
  },
  { name: 'Order' },
);

/** One line per order line, with the order's id and the day it was placed. */
export const describeOrder = task({ inputs: { order }, outputs: t.list(t.string()) }, function describeOrder({ order }) {
  const day = order.placed.toISOString().slice(0, 10);
  return order.lines.map((line) => `${order.id} ${day} ${line.sku} x${line.qty ?? 1}${order.note ? ` (${order.note})` : ''}`);
});

/** The same order, optional: its fields' types come from the record's JSON schema in the union variant. */
export const maybeOrder = task({ inputs: { order: t.optional(order) }, outputs: t.string() }, function maybeOrder({ order }) {
  return order === null ? 'none' : `${order.id} ${order.placed.toISOString()}`;
});
