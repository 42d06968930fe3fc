/**
 * Runs `task` on each item with at most `limit` running at once, starting items in order. `stop` is asked before each
 * start: once it answers true no further item starts (those running finish). A task that throws rejects the returned
 * promise at once, as Promise.all does; tasks already running go on.
 */
export async function forEachWithLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
