import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapBounded } from '../../../src/util/limiter.js';

test('mapBounded judges every item, gives the results in input order and starts an item only when a slot is free', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const items = Array.from({ length: 50 }, (_, index) => index);
  const results = await mapBounded(items, 4, async (item) => {
    started.push(item);
    most = Math.max(most, ++running);
    // Later items finish sooner: the order of results must not follow the order of finishing.
    await new Promise((resolve) => setTimeout(resolve, 50 - item));
    running--;
    return item * 2;
  });
  assert.deepEqual(results, items.map((item) => item * 2));
  assert.equal(most, 4);
  assert.deepEqual(started, items, 'items are taken in order');
});

test('mapBounded with no items calls nothing, and a limit below one still makes progress', async () => {
  assert.deepEqual(await mapBounded([], 4, async () => assert.fail('called')), []);
  assert.deepEqual(await mapBounded(['a', 'b'], 0, async (item) => item.toUpperCase()), ['A', 'B']);
});
