// How long work stops when its job is cancelled: throwIfCancelled turns an aborted signal into a
// CancelledError, and does nothing otherwise (the queue then records the job by its signal: CANCELLED).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, throwIfCancelled } from '../../src/jobs/job-control.js';

test('a live signal lets work go on; an aborted one throws CancelledError', () => {
  const controller = new AbortController();
  assert.doesNotThrow(() => throwIfCancelled(controller.signal));
  controller.abort();
  assert.throws(
    () => throwIfCancelled(controller.signal),
    (error: unknown) => {
      assert.ok(error instanceof CancelledError);
      assert.ok(error instanceof Error);
      // A named error, so logs and messages tell a cancellation from a failure without the class at hand.
      assert.equal(error.name, 'CancelledError');
      assert.equal(error.message, 'cancelled');
      return true;
    },
  );
});

test('whatever the abort reason, the error is a CancelledError (a timeout too)', async () => {
  for (const signal of [AbortSignal.abort(new Error('disk full')), AbortSignal.abort('user'), AbortSignal.timeout(1)]) {
    // AbortSignal.timeout's timer does not keep the process alive: wait on one that does.
    while (!signal.aborted) await new Promise((r) => setTimeout(r, 5));
    assert.throws(() => throwIfCancelled(signal), CancelledError);
  }
});

test('a loop checking between steps stops at the first step after cancellation', () => {
  const controller = new AbortController();
  const done: number[] = [];
  assert.throws(() => {
    for (let i = 0; i < 10; i++) {
      throwIfCancelled(controller.signal);
      done.push(i);
      if (i === 3) controller.abort();
    }
  }, CancelledError);
  assert.deepEqual(done, [0, 1, 2, 3]);
});
