import type { Kind } from "../../shared/mapping-config/schema";
import type { FailureGroup, WarningGroup } from "./resync-summary";

/** Examples kept per failure group: enough to find the entities, few enough to print. */
const SAMPLES_KEPT = 5;

/**
 * Counts a run's failures and warnings into groups (cause, kind, blueprint, field), keeping the first message and a
 * few samples of each: memory grows with the number of distinct problems, not with the number of entities.
 */
export class OutcomeTally {
  readonly #failures = new Map<string, FailureGroup>();
  readonly #warnings = new Map<string, WarningGroup>();

  addFailure(group: Omit<FailureGroup, "count" | "samples">, sample: string): void {
    const key = [group.cause, group.kind, group.blueprint ?? "", group.field ?? ""].join("\u0000");
    let found = this.#failures.get(key);
    if (found === undefined) {
      found = { ...group, count: 0, samples: [] };
      this.#failures.set(key, found);
    }
    found.count++;
    if (found.samples.length < SAMPLES_KEPT && !found.samples.includes(sample)) found.samples.push(sample);
  }

  addWarning(kind: Kind | null, code: WarningGroup["code"], path: string, example: string, fix?: string): void {
    const key = [kind, code, path].join("\u0000");
    const found = this.#warnings.get(key);
    if (found !== undefined) {
      found.count++;
      return;
    }
    this.#warnings.set(key, { kind, code, path, count: 1, example, ...(fix === undefined ? {} : { fix }) });
  }

  /** @returns the failure groups, most frequent first (ties in the order they were first seen) */
  failures(): FailureGroup[] {
    return [...this.#failures.values()].sort((a, b) => b.count - a.count);
  }

  warnings(): WarningGroup[] {
    return [...this.#warnings.values()].sort((a, b) => b.count - a.count);
  }
}
