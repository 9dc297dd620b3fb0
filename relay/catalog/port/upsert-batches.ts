/**
 * Cuts entities of one blueprint into bulk-upsert requests that Port accepts: at most 20 entities (the route's
 * `maxItems`) and a body of at most 1 MiB (every route's limit), measured on the exact JSON sent. An entity too big
 * for a bulk body but small enough alone goes by the single-entity route; one bigger than the limit alone cannot be
 * sent at all (port-api.md §1, §2.3).
 */
export interface SerialisedEntity {
  /** Its position in the caller's input. */
  index: number;
  json: string;
  bytes: number;
}

export type UpsertRequestPlan =
  | { route: "bulk"; entities: SerialisedEntity[]; bodyBytes: number }
  | { route: "single"; entity: SerialisedEntity }
  | { route: "too-large"; entity: SerialisedEntity };

/** `{"entities":[` and `]}` around the comma-separated entities. */
const BULK_WRAPPER_BYTES = Buffer.byteLength('{"entities":[]}');

export function planUpsertRequests(
  entities: readonly SerialisedEntity[],
  maxItems: number,
  maxBodyBytes: number,
): UpsertRequestPlan[] {
  const plans: UpsertRequestPlan[] = [];
  let batch: SerialisedEntity[] = [];
  let batchBytes = BULK_WRAPPER_BYTES;
  const flush = () => {
    if (batch.length > 0) plans.push({ route: "bulk", entities: batch, bodyBytes: batchBytes });
    batch = [];
    batchBytes = BULK_WRAPPER_BYTES;
  };
  for (const entity of entities) {
    if (entity.bytes > maxBodyBytes) {
      plans.push({ route: "too-large", entity });
      continue;
    }
    if (BULK_WRAPPER_BYTES + entity.bytes > maxBodyBytes) {
      plans.push({ route: "single", entity });
      continue;
    }
    const added = entity.bytes + (batch.length > 0 ? 1 : 0);
    if (batch.length >= maxItems || batchBytes + added > maxBodyBytes) flush();
    batchBytes += entity.bytes + (batch.length > 0 ? 1 : 0);
    batch.push(entity);
  }
  flush();
  return plans;
}

/** @returns the bulk body of a planned batch (its byte length is the plan's `bodyBytes`) */
export function bulkBody(entities: readonly SerialisedEntity[]): string {
  return `{"entities":[${entities.map((entity) => entity.json).join(",")}]}`;
}
