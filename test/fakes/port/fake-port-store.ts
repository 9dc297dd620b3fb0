import type { CatalogEntityError, EntityKey, StoredEntity } from "../../../relay/catalog/catalog";
import type { Blueprint } from "../../../relay/catalog/port-rules/blueprint";
import type { EntityStoreView } from "../../../relay/catalog/port-rules/entity-store-view";
import { planDelete } from "../../../relay/catalog/port-rules/plan-delete";
import { planUpsert, type UpsertFlags } from "../../../relay/catalog/port-rules/plan-upsert";

export type FakeUpsertOutcome =
  | { kind: "written"; entity: StoredEntity; created: boolean }
  | { kind: "unresolved"; message: string }
  | { kind: "failed"; error: CatalogEntityError };

/**
 * The fake Port's organisation data in memory: blueprints and entities keyed by `(blueprint, identifier)`, with
 * `$datasource`, `createdAt` and `updatedAt`. Writes follow Port's rules through the same `port-rules` module as the
 * local catalog (the same Port behaviour, written once).
 */
export class FakePortStore implements EntityStoreView {
  readonly #blueprints = new Map<string, Blueprint>();
  readonly #entities = new Map<string, StoredEntity>();

  blueprint(identifier: string): Blueprint | undefined {
    return this.#blueprints.get(identifier);
  }

  putBlueprint(blueprint: Blueprint): void {
    this.#blueprints.set(blueprint.identifier, blueprint);
  }

  get(blueprint: string, identifier: string): StoredEntity | null {
    return this.#entities.get(keyOf(blueprint, identifier)) ?? null;
  }

  exists(blueprint: string, identifier: string): boolean {
    return this.#entities.has(keyOf(blueprint, identifier));
  }

  find(
    blueprint: string,
    test: (entity: StoredEntity) => boolean,
    limit: number,
    identifiers?: readonly string[],
  ): StoredEntity[] {
    const candidates =
      identifiers === undefined
        ? this.entities().filter((entity) => entity.blueprint === blueprint)
        : identifiers.map((id) => this.get(blueprint, id));
    return candidates.filter((entity): entity is StoredEntity => entity !== null && test(entity)).slice(0, limit);
  }

  referrers(target: EntityKey): { blueprint: string; identifier: string; relation: string }[] {
    const found: { blueprint: string; identifier: string; relation: string }[] = [];
    for (const entity of this.#entities.values()) {
      const relations = this.#blueprints.get(entity.blueprint)?.relations ?? {};
      for (const [relation, value] of Object.entries(entity.relations)) {
        if (relations[relation]?.target !== target.blueprint) continue;
        if (value === target.identifier || (Array.isArray(value) && value.includes(target.identifier))) {
          found.push({ blueprint: entity.blueprint, identifier: entity.identifier, relation });
        }
      }
    }
    return found;
  }

  /** Every entity, in key order. */
  entities(): StoredEntity[] {
    return [...this.#entities.values()].sort(compareKeys);
  }

  /** Port's upsert (or only its validation): the outcome, and the write when it succeeds and is not a dry run. */
  upsert(
    body: unknown,
    blueprint: string,
    flags: UpsertFlags,
    write: { datasource: string | null; now: string; validationOnly: boolean },
  ): FakeUpsertOutcome {
    const plan = planUpsert(body, blueprint, flags, this);
    if (plan.kind === "failed") return { kind: "failed", error: plan.error };
    if (plan.kind === "unresolved") return { kind: "unresolved", message: plan.message };
    const entity: StoredEntity = {
      ...plan.key,
      ...plan.content,
      datasource: write.datasource,
      createdAt: plan.previous?.createdAt ?? write.now,
      updatedAt: write.now,
    };
    if (write.validationOnly) return { kind: "written", entity, created: plan.created };
    for (const placeholder of plan.placeholders) {
      this.#entities.set(keyOf(placeholder.blueprint, placeholder.identifier), {
        ...placeholder,
        title: null,
        team: [],
        icon: null,
        properties: {},
        relations: {},
        datasource: write.datasource,
        createdAt: write.now,
        updatedAt: write.now,
      });
    }
    this.#entities.set(keyOf(entity.blueprint, entity.identifier), entity);
    return { kind: "written", entity, created: plan.created };
  }

  /**
   * Port's delete of several entities of one request: all or nothing (the bulk route's rule), in order.
   * @returns the identifiers deleted, or the first refusal
   */
  delete(
    keys: readonly EntityKey[],
    deleteDependents: boolean,
    now: string,
  ): { deleted: EntityKey[] } | { error: CatalogEntityError } {
    const plans = [];
    for (const key of keys) {
      const plan = planDelete(key, deleteDependents, this);
      if (plan.kind === "failed") return { error: plan.error };
      if (plan.kind === "delete") plans.push({ key, plan });
    }
    for (const { plan } of plans) {
      for (const doomed of plan.keys) this.#entities.delete(keyOf(doomed.blueprint, doomed.identifier));
      for (const clear of plan.clear) {
        const entity = this.get(clear.entity.blueprint, clear.entity.identifier);
        if (entity === null) continue;
        const relations = { ...entity.relations };
        const value = relations[clear.relation];
        if (Array.isArray(value)) relations[clear.relation] = value.filter((identifier) => identifier !== clear.target);
        else if (value === clear.target) delete relations[clear.relation];
        this.#entities.set(keyOf(entity.blueprint, entity.identifier), { ...entity, relations, updatedAt: now });
      }
    }
    return { deleted: plans.map(({ key }) => key) };
  }

  /** The entities whose datasource has the prefix and suffix, updated before a time, after a cursor key. */
  byDatasource(prefix: string, suffix: string, before: string | null): StoredEntity[] {
    return this.entities().filter(
      (entity) =>
        entity.datasource !== null &&
        entity.datasource.length >= prefix.length + suffix.length &&
        entity.datasource.startsWith(prefix) &&
        entity.datasource.endsWith(suffix) &&
        (before === null || Date.parse(entity.updatedAt) < Date.parse(before)),
    );
  }
}

export function keyOf(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

function compareKeys(a: StoredEntity, b: StoredEntity): number {
  const left = keyOf(a.blueprint, a.identifier);
  const right = keyOf(b.blueprint, b.identifier);
  return left < right ? -1 : left > right ? 1 : 0;
}
