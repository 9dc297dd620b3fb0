import type { DeleteOptions, DeleteResult, EntityKey } from "../catalog";
import { entityErrorOf } from "./port-entity-error";
import type { PortHttp } from "./port-http";
import { BulkDeleteResponse } from "./port-schema";

/** Port's bulk delete takes at most 100 identifiers of one blueprint (port-api.md §2.4). */
const MAX_BULK_DELETE = 100;

/**
 * Deletes entities from Port in input order (the contract of `Catalog.delete`): consecutive keys of one blueprint go
 * by the bulk route, 100 at a time. The bulk route is all-or-nothing when an entity has dependents and reports only
 * what it deleted, so when it refuses, or leaves some out, those keys are deleted one by one to give each its own
 * result (`not_found` for a 404, the refusal otherwise).
 */
export async function deleteFromPort(
  http: PortHttp,
  keys: readonly EntityKey[],
  options: DeleteOptions,
): Promise<DeleteResult[]> {
  const results: DeleteResult[] = [];
  const query = { delete_dependents: options.deleteDependents };
  for (const run of consecutiveRuns(keys)) {
    if (run.length === 1) {
      const [key] = run;
      if (key !== undefined) results.push(await deleteOne(http, key, query, options.signal));
      continue;
    }
    const blueprint = run[0]?.blueprint ?? "";
    const response = await http.request("POST", `/blueprints/${encodeURIComponent(blueprint)}/bulk/entities/delete`, {
      query,
      body: JSON.stringify({ entities: run.map((key) => key.identifier) }),
      signal: options.signal,
    });
    const parsed = response.status === 200 ? BulkDeleteResponse.safeParse(response.body) : null;
    const deleted = parsed?.success === true ? new Set(parsed.data.deletedEntities) : new Set<string>();
    for (const key of run) {
      results.push(
        deleted.has(key.identifier) ? { result: "deleted", ...key } : await deleteOne(http, key, query, options.signal),
      );
    }
  }
  return results;
}

async function deleteOne(
  http: PortHttp,
  key: EntityKey,
  query: Record<string, boolean>,
  signal: AbortSignal | undefined,
): Promise<DeleteResult> {
  const response = await http.request(
    "DELETE",
    `/blueprints/${encodeURIComponent(key.blueprint)}/entities/${encodeURIComponent(key.identifier)}`,
    {
      query,
      signal,
    },
  );
  if (response.status === 200 || response.status === 204) return { result: "deleted", ...key };
  if (response.status === 404) return { result: "not_found", ...key };
  return { result: "failed", ...key, error: entityErrorOf(response) };
}

/** Splits keys into runs of one blueprint, in order, each at most the bulk limit. */
function consecutiveRuns(keys: readonly EntityKey[]): EntityKey[][] {
  const runs: EntityKey[][] = [];
  let run: EntityKey[] = [];
  for (const key of keys) {
    if (run.length > 0 && (run[0]?.blueprint !== key.blueprint || run.length >= MAX_BULK_DELETE)) {
      runs.push(run);
      run = [];
    }
    run.push(key);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
