/** Live processes that belong to an attempt's ranks (found by RANK_OF_ENV in /proc/<pid>/environ). Linux only. */
import { readdir, readFile } from 'node:fs/promises';
import { RANK_OF_ENV } from './local-ranks.ts';

export async function rankProcesses(generatedName: string): Promise<number[]> {
  const marker = `${RANK_OF_ENV}=${generatedName}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (`${environ}\0`.includes(marker)) {
      // A zombie has exited; only its parent has not reaped it yet.
      const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
      if (!/^\d+ \(.*\) Z /.test(stat)) pids.push(Number(entry));
    }
  }
  return pids;
}
