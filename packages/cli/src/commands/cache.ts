/** `tflyte cache clear`: forgets every cached task output in the project's state store. */
import { openSession } from '@tflyte/core';
import type { Io } from '../main.ts';

export async function cacheClear(io: Io): Promise<void> {
  const session = await openSession({ cwd: io.cwd });
  try {
    const removed = session.store.clearCache();
    io.out(`removed ${removed} cached result${removed === 1 ? '' : 's'} from ${session.store.path}`);
  } finally {
    session.close();
  }
}
