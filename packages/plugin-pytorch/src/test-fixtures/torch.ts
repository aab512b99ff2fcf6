/**
 * Whether Debian's python can run the real multi-rank tests. CI installs it
 * (tools/ci/install-pytorch.sh) and sets TFLYTE_REQUIRE_PYTORCH=1, so there a missing torch fails
 * the run instead of skipping the tests.
 */
import { execFileSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

function probe(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch.distributed as d; assert d.is_gloo_available()'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const haveTorch = probe();
if (!haveTorch) {
  const why = `${PYTHON} cannot import torch with gloo (run tools/ci/install-pytorch.sh)`;
  if (process.env['TFLYTE_REQUIRE_PYTORCH'] === '1') throw new Error(`TFLYTE_REQUIRE_PYTORCH=1 but ${why}`);
  console.warn(`skipping the real PyTorch runs: ${why}`);
}
