/**
 * Every request the fake answered, for assertions and benchmarks: counts by path (query excluded), the largest
 * number in flight at once, and the time (fake clock) and outcome of each.
 */

export interface LoggedRequest {
  method: string;
  /** After the context path, without the query. */
  path: string;
  query: string;
  status: number;
  /** Fake-clock milliseconds when the request arrived. */
  at: number;
  user: string | null;
  retryAfterSeconds?: number;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  #inFlight = 0;
  #maxInFlight = 0;

  get count(): number {
    return this.entries.length;
  }

  /** The most requests that were being handled at the same time. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  enter(): void {
    this.#inFlight++;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
  }

  leave(entry: LoggedRequest): void {
    this.#inFlight--;
    this.entries.push(entry);
  }

  /** Requests per path (query excluded), optionally only those with a given status. */
  byPath(status?: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.entries) {
      if (status !== undefined && entry.status !== status) continue;
      counts.set(entry.path, (counts.get(entry.path) ?? 0) + 1);
    }
    return counts;
  }

  countWhere(predicate: (entry: LoggedRequest) => boolean): number {
    return this.entries.filter(predicate).length;
  }

  clear(): void {
    this.entries.length = 0;
    this.#maxInFlight = this.#inFlight;
  }
}
