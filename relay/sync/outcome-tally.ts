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
  /** Where each group sorts among ties: see {@link kindsStarting}. */
  readonly #place = new WeakMap<FailureGroup | WarningGroup, { rank: number; seq: number }>();
  #seq = 0;
  #phase: "before" | "kinds" | "after" = "before";
  #kindRanks = new Map<Kind, number>();

  /**
   * The kinds about to run at once, in mapping order. Groups that tie are listed as if the kinds had run one after
   * the other: what came before the kinds, then each kind's groups in mapping order, then what came after.
   */
  kindsStarting(kinds: readonly Kind[]): void {
    this.#phase = "kinds";
    kinds.forEach((kind, index) => {
      if (!this.#kindRanks.has(kind)) this.#kindRanks.set(kind, index);
    });
  }

  kindsFinished(): void {
    this.#phase = "after";
  }

  #placed<G extends FailureGroup | WarningGroup>(group: G): G {
    const rank =
      this.#phase === "before"
        ? 0
        : this.#phase === "after"
          ? 2_000_000
          : 1_000_000 + (group.kind === null ? 0 : (this.#kindRanks.get(group.kind) ?? 0));
    this.#place.set(group, { rank, seq: this.#seq++ });
    return group;
  }

  #tieOrder = (a: FailureGroup | WarningGroup, b: FailureGroup | WarningGroup): number => {
    const pa = this.#place.get(a);
    const pb = this.#place.get(b);
    if (pa === undefined || pb === undefined) return 0;
    return pa.rank - pb.rank || pa.seq - pb.seq;
  };

  addFailure(group: Omit<FailureGroup, "count" | "samples">, sample: string): void {
    const key = [group.cause, group.kind, group.blueprint ?? "", group.field ?? ""].join("\u0000");
    let found = this.#failures.get(key);
    if (found === undefined) {
      found = this.#placed({ ...group, count: 0, samples: [] });
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
    this.#warnings.set(
      key,
      this.#placed({ kind, code, path, count: 1, example, ...(fix === undefined ? {} : { fix }) }),
    );
  }

  /** @returns the failure groups, most frequent first (ties in the order they were first seen, kind by kind) */
  failures(): FailureGroup[] {
    return [...this.#failures.values()].sort((a, b) => b.count - a.count || this.#tieOrder(a, b));
  }

  warnings(): WarningGroup[] {
    return [...this.#warnings.values()].sort((a, b) => b.count - a.count || this.#tieOrder(a, b));
  }
}
