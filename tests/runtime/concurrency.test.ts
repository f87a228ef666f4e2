import { ConcurrencyLimit } from "../../runtime/concurrency";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

test("never more than the limit at once; aborted waiters leave the queue and leak no slot", async () => {
  const limit = new ConcurrencyLimit(2);
  let active = 0;
  let most = 0;
  const gates = Array.from({ length: 6 }, deferred);
  const started: number[] = [];
  const task = (index: number) => async () => {
    started.push(index);
    active++;
    most = Math.max(most, active);
    await gates[index]!.promise;
    active--;
    return index;
  };
  const aborts = [new AbortController(), new AbortController()];
  const runs = [
    limit.run(task(0)),
    limit.run(task(1)),
    limit.run(task(2), aborts[0]!.signal),
    limit.run(task(3), aborts[1]!.signal),
    limit.run(task(4)),
  ];
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1]);
  aborts[0]!.abort(new Error("gone"));
  aborts[1]!.abort(new Error("gone too"));
  await expect(runs[2]).rejects.toThrow("gone");
  await expect(runs[3]).rejects.toThrow("gone too");
  gates[0]!.resolve();
  await expect(runs[0]).resolves.toBe(0);
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1, 4]);
  gates[1]!.resolve();
  gates[4]!.resolve();
  await Promise.all([runs[1], runs[4]]);
  // Both slots are free again: two new tasks start at once.
  const more = [limit.run(task(5)), limit.run(async () => 99)];
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1, 4, 5]);
  gates[5]!.resolve();
  await expect(Promise.all(more)).resolves.toEqual([5, 99]);
  expect(most).toBe(2);
});

test("a waiter aborted before it queues never runs", async () => {
  const limit = new ConcurrencyLimit(1);
  const gate = deferred();
  const first = limit.run(() => gate.promise);
  const controller = new AbortController();
  controller.abort(new Error("early"));
  let ran = false;
  await expect(limit.run(async () => (ran = true), controller.signal)).rejects.toThrow("early");
  gate.resolve();
  await first;
  expect(ran).toBe(false);
});
