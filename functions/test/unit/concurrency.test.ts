import { describe, expect, it } from 'vitest';
import { forEachWithLimit } from '../../src/app/concurrency.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('forEachWithLimit', () => {
  it('runs every item once, never more than the limit at a time, starting them in order', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachWithLimit([10, 11, 12, 13, 14, 15, 16], 3, async (item, i) => {
      expect(item).toBe(10 + i);
      started.push(i);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('starts nothing more once stop answers true; those running finish', async () => {
    const done: number[] = [];
    let failed = false;
    await forEachWithLimit(
      [0, 1, 2, 3, 4, 5],
      2,
      async (i) => {
        await tick();
        if (i === 0) failed = true;
        done.push(i);
      },
      () => failed,
    );
    expect(done.sort()).toEqual([0, 1]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachWithLimit([], 4, async () => void calls++);
    expect(calls).toBe(0);
  });
});
