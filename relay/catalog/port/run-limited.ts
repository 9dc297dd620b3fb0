/**
 * Runs tasks with at most `limit` in flight. The first failure stops new tasks from starting; the ones in flight
 * finish (no floating promise outlives the call) and the first failure is rethrown.
 */
export async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  async function worker(): Promise<void> {
    while (failures.length === 0 && next < tasks.length) {
      const task = tasks[next++];
      if (task === undefined) return;
      try {
        await task();
      } catch (error) {
        failures.push(error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, () => worker()));
  if (failures.length > 0) throw failures[0];
}
