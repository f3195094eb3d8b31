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
