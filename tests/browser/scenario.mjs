// A browser test is one scenario of numbered steps that build on each other.
import { it } from 'node:test';

// `explain()` returns what to add to a failure's message (the temp dir and
// the tails of the servers' logs). Returns:
//   step(name, timeoutMs, fn): a test that is skipped after an earlier failure;
//   failing(fn): runs fn (a `before`), marking the scenario failed if it throws;
//   failed(): whether anything failed, e.g. to keep the temp dir.
export function scenario(explain) {
  let failed = false;
  const fail = (error) => {
    failed = true;
    error.message += `\n${explain()}`;
    throw error;
  };
  const step = (name, timeout, fn) => it(name, { timeout }, async (t) => {
    if (failed) return t.skip('an earlier step failed');
    try {
      await fn(t);
    } catch (error) {
      fail(error);
    }
  });
  const failing = async (fn) => {
    try {
      await fn();
    } catch (error) {
      fail(error);
    }
  };
  return { step, failing, failed: () => failed };
}
