import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ownerAlive } from './run-journal.ts';

describe('ownerAlive: whether the process that owns an unfinished run still runs', () => {
  it('is true for a live process of this machine and false for one that has exited', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)']);
    expect(ownerAlive(`${hostname()}:${child.pid}`)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(ownerAlive(`${hostname()}:${child.pid}`)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('is false for a killed process its parent has not reaped yet (a zombie)', async () => {
    // The shell's background child exits at once; `exec sleep` never waits for it, so it stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5']);
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const zombie = Number(line.toString().trim());
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      expect(ownerAlive(`${hostname()}:${zombie}`)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('assumes a process on another machine is alive: it cannot be checked from here', () => {
    expect(ownerAlive('some-other-host:1')).toBe(true);
  });
});
