import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.ts';

describe('createFakeClock', () => {
  it('starts at the given time and only moves when advanced', async () => {
    const clock = createFakeClock({ now: 5000 });
    expect(clock.now()).toBe(5000);
    await clock.advance(250);
    expect(clock.now()).toBe(5250);
  });

  it('fires sleeps in time order as time advances, including sleeps started by woken code', async () => {
    const clock = createFakeClock();
    const fired: string[] = [];
    void clock.sleep(300).then(() => fired.push('300'));
    void clock.sleep(100).then(async () => {
      fired.push('100');
      await clock.sleep(100);
      fired.push('100+100');
    });
    await clock.advance(150);
    expect(fired).toEqual(['100']);
    await clock.advance(150);
    expect(fired).toEqual(['100', '100+100', '300']);
    expect(clock.sleeps).toEqual([300, 100, 100]);
    expect(clock.pending).toBe(0);
  });

  it('rejects a sleep with the signal reason when aborted, and forgets it', async () => {
    const clock = createFakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('jumps to the next sleep with next(), and drains every sleep with runAll()', async () => {
    const clock = createFakeClock();
    const done: number[] = [];
    void clock.sleep(40).then(() => done.push(clock.now()));
    void clock.sleep(10).then(() => done.push(clock.now()));
    expect(await clock.next()).toBe(true);
    expect(done).toEqual([10]);
    expect(await clock.runAll()).toBe(1);
    expect(done).toEqual([10, 40]);
    expect(await clock.next()).toBe(false);
  });

  it('with auto-advance, lets code that waits on the clock finish on its own', async () => {
    const clock = createFakeClock({ autoAdvance: true });
    let polls = 0;
    for (let delay = 1000; polls < 20; delay = Math.min(delay * 2, 60_000)) {
      polls += 1;
      await clock.sleep(delay);
    }
    expect(clock.now()).toBe(1000 + 2000 + 4000 + 8000 + 16_000 + 32_000 + 14 * 60_000);
  });

  it('resolves sleeps of zero or less at once', async () => {
    const clock = createFakeClock();
    await clock.sleep(0);
    await clock.sleep(-5);
    expect(clock.pending).toBe(0);
  });
});
