/**
 * Fault injection: answer the Nth request whose method and path match with a 500 (Bitbucket's envelope), a
 * custom status, never (a hang: the socket stays open until the client gives up or the server stops), late (`wait`:
 * the real answer once the test settles a promise, a Bitbucket slow on one endpoint), or with the
 * real answer altered (`rewrite`: what a buggy server, plugin or proxy does to a page, such as losing its
 * `nextPageStart`, repeating a `start`, or replacing `values`; the function gets the JSON body the route gave).
 */

export type FaultAction =
  | { type: "status"; status: number; message?: string }
  | { type: "hang" }
  | { type: "wait"; until: Promise<unknown> }
  | { type: "rewrite"; rewrite: (body: Record<string, unknown>) => unknown };

export interface FaultRule {
  /** Matched against the path after the context path, e.g. `/rest/api/1.0/projects/P1/repos`. */
  path: string | RegExp;
  method?: string;
  /** 1 = the first matching request. */
  nth: number;
  /** How many consecutive matching requests from the Nth on get the fault (default 1). */
  times?: number;
  action: FaultAction;
}

export class FaultInjector {
  readonly #rules: { rule: FaultRule; seen: number }[] = [];

  add(rule: FaultRule): void {
    this.#rules.push({ rule, seen: 0 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Counts the request against every matching rule. @returns the fault to apply, if any */
  match(method: string, path: string): FaultAction | undefined {
    let hit: FaultAction | undefined;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      const matches = typeof rule.path === "string" ? rule.path === path : rule.path.test(path);
      if (!matches) continue;
      entry.seen++;
      const last = rule.nth + (rule.times ?? 1) - 1;
      if (entry.seen >= rule.nth && entry.seen <= last) hit ??= rule.action;
    }
    return hit;
  }
}
