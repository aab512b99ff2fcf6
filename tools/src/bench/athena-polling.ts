/**
 * Folded into warehouse-lateness.ts (lateness against query length and the calls of a 1-hour query,
 * for all three warehouses through one bench). Kept only while bench/index.ts still imports it.
 */
import { runWarehouseLateness } from './warehouse-lateness.ts';

export async function runAthenaPolling(): Promise<string> {
  return (await runWarehouseLateness(undefined, ['athena'])).text;
}
