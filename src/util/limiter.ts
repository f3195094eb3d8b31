/**
 * `judge` for every item, results in input order, at most `limit` at once: the probes bound the questions and
 * connections themselves; this bounds the work waiting on them, so that the items not yet taken hold no pending
 * calls. Thousands of IPs or domains then cost `limit` calls in memory, not thousands.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, judge: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await judge(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** Runs tasks with at most `slots` of them in flight; the others wait their turn, first come first served. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function limiter(slots: number): Limiter {
  // A queue read from `head` rather than shifted: tens of thousands may wait, and shift() copies the rest each time.
  let waiting: Array<() => void> = [];
  let head = 0;
  let free = Math.max(1, slots);
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      if (head < waiting.length) {
        const next = waiting[head++];
        if (head === waiting.length) {
          waiting = [];
          head = 0;
        }
        next();
      } else free++;
    }
  };
}
