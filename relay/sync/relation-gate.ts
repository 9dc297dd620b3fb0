import type { CatalogEntity } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";

/**
 * Lets a resync's kinds run at once while each entity is still written after the entities it relates to, as when
 * the kinds ran one after the other in mapping order (the order the mapping's comment asks for: with
 * `createMissingRelatedEntities`, a pull request written before its repository would make Port create an empty
 * repository, and the repository's own write would then count as an update; without it, Port would refuse the pull
 * request). So a kind's batch waits until every target of its relations that an earlier kind may write has been
 * handled by an earlier kind, or until every earlier kind has finished (a target no earlier kind writes: it would
 * have been missing just the same). Later kinds never hold up earlier ones, so nothing can wait in a circle.
 *
 * A relation's target blueprint comes from the blueprints the run read at its start; a relation whose target is
 * unknown (no blueprint read) waits for every earlier kind, which is the old order exactly.
 *
 * Memory: one key per entity handled by a kind that has later kinds (not the last kind's, usually the largest).
 */
export class RelationGate {
  readonly #kinds: number;
  /** Blueprint → relation → target blueprint. */
  readonly #targets: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly #finished: boolean[];
  /** `blueprint \0 identifier` of what each kind has handled (written, unchanged or failed). */
  readonly #handled = new Set<string>();
  /** The kinds with a batch waiting in {@link ready}. */
  readonly #waiters: number[] = [];
  #changed: { promise: Promise<void>; resolve: () => void };

  /**
   * @param kinds how many kinds run (in mapping order, index 0 first)
   * @param blueprints the blueprints in force, for their relations' targets
   */
  constructor(kinds: number, blueprints: Iterable<Blueprint>) {
    this.#kinds = kinds;
    this.#finished = Array.from({ length: kinds }, () => false);
    const targets = new Map<string, Map<string, string>>();
    for (const blueprint of blueprints) {
      const relations = new Map<string, string>();
      for (const [name, relation] of Object.entries(blueprint.relations)) relations.set(name, relation.target);
      targets.set(blueprint.identifier, relations);
    }
    this.#targets = targets;
    this.#changed = signal();
  }

  /** Resolves when the entities of kind `kind` may be written: see the class comment. */
  async ready(kind: number, entities: readonly CatalogEntity[]): Promise<void> {
    if (this.#earlierFinished(kind)) return;
    const waiting = this.#waitingOn(entities);
    this.#waiters.push(kind);
    try {
      for (;;) {
        if (this.#earlierFinished(kind)) return;
        // A target that is not known (null) waits for every earlier kind.
        for (const key of waiting) if (key !== null && this.#handled.has(key)) waiting.delete(key);
        if (waiting.size === 0) return;
        await this.#changed.promise;
      }
    } finally {
      this.#waiters.splice(this.#waiters.indexOf(kind), 1);
    }
  }

  /**
   * Whether a later kind is waiting on earlier kinds, this one among them: this kind should then write what it
   * holds now rather than when its batch is full, or the later kind stalls for a whole batch.
   */
  awaited(kind: number): boolean {
    return this.#waiters.some((waiter) => waiter > kind);
  }

  /** Whether {@link handled} keeps what kind `kind` handles (some later kind may still wait on it). */
  tracksHandled(kind: number): boolean {
    return !(kind >= this.#kinds - 1 || this.#finished.slice(kind + 1).every(Boolean));
  }

  /** The kind `kind` handled these entities (whatever the catalog answered). */
  handled(kind: number, entities: readonly Pick<CatalogEntity, "blueprint" | "identifier">[]): void {
    if (!this.tracksHandled(kind)) return;
    for (const entity of entities)
      if (typeof entity.identifier === "string") this.#handled.add(keyOf(entity.blueprint, entity.identifier));
    this.#wake();
  }

  /** The kind `kind` will write nothing more (finished, failed or stopped). */
  finished(kind: number): void {
    this.#finished[kind] = true;
    if (this.#finished.every(Boolean)) this.#handled.clear();
    this.#wake();
  }

  #earlierFinished(kind: number): boolean {
    for (let index = 0; index < kind; index++) if (this.#finished[index] !== true) return false;
    return true;
  }

  /** The relation targets of the entities, as keys; null for a target not known (its blueprint, a search query). */
  #waitingOn(entities: readonly CatalogEntity[]): Set<string | null> {
    const keys = new Set<string | null>();
    for (const entity of entities) {
      const relations = this.#targets.get(entity.blueprint);
      for (const [name, value] of Object.entries(entity.relations)) {
        const target = relations?.get(name);
        const identifiers = identifiersOf(value);
        if (identifiers.length === 0) continue;
        if (target === undefined || identifiers.includes(null)) {
          keys.add(null);
          continue;
        }
        for (const identifier of identifiers) if (identifier !== null) keys.add(keyOf(target, identifier));
      }
    }
    return keys;
  }

  #wake(): void {
    const current = this.#changed;
    this.#changed = signal();
    current.resolve();
  }
}

function keyOf(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

/**
 * The identifiers a relation value names; null for a search query (Port resolves it against whatever is there, so
 * it waits for every earlier kind, as in the old order).
 */
function identifiersOf(value: unknown): (string | null)[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap((item) => identifiersOf(item));
  return [null];
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
