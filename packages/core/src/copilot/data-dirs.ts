/** The host directories mounted at a raw container's inputPath and outputPath. */
import { chmod, mkdir, rm } from 'node:fs/promises';

/** Creates both directories empty, replacing what an earlier attempt at the same place left there. */
export async function createDataDirs(inputsDir: string, outputsDir: string): Promise<void> {
  for (const dir of [inputsDir, outputsDir]) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  // The image may run as any user: it must read the inputs and write the outputs.
  await chmod(inputsDir, 0o755);
  await chmod(outputsDir, 0o777);
}
