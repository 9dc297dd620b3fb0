import type { CatalogEntity } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import { HashedKeySet } from "./hashed-key-set";

/**
 * Lets a resync's kinds run at once while each entity is still written after the entities it relates to, as when
 * the kinds ran one after the other in mapping order (the order the mapping's comment asks for: with
 * `createMissingRelatedEntities`, a pull request written before its repository would make Port create an empty
 * repository, and the repository's own write would then count as an update; without it, Port would refuse the pull
 * request). So a kind's entity waits until every target of its relations that an earlier kind may write has been
 * handled by an earlier kind, or until every earlier kind has finished (a target no earlier kind writes: it would
 * have been missing just the same). Later kinds never hold up earlier ones, so nothing can wait in a circle. The kind
 * holds such an entity and goes on listing (write-buffer.ts): it asks {@link RelationGate.blocker} what holds it
 * back, and {@link RelationGate.holds} whether that still does.
 *
 * A relation's target blueprint comes from the blueprints the run read at its start; a relation whose target is
 * unknown (no blueprint read) waits for every earlier kind, which is the old order exactly.
 *
 * Memory: one key per entity handled by a kind that has later kinds (not the last kind's, usually the largest), as a
 * 53-bit hash (hashed-key-set.ts): 16 bytes each at most.
 */
export class RelationGate {
  readonly #kinds: number;
  /** Blueprint → relation → target blueprint. */
  readonly #targets: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly #finished: boolean[];
  /** `blueprint \0 identifier` of what each kind has handled (written, unchanged or failed), as hashes. */
  readonly #handled = new HashedKeySet();
  /** The kinds holding entities back until earlier kinds handled their targets (see {@link holding}). */
  readonly #holders = new Set<number>();
  #version = 0;
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

  /**
   * What holds the entities of kind `kind` back (see the class comment): undefined when they may be written now;
   * else the key of a relation target not handled yet, or null for a target that is not known (it waits for every
   * earlier kind). Cheap to ask again with {@link holds}.
   */
  blocker(kind: number, entities: readonly CatalogEntity[]): string | null | undefined {
    if (this.#earlierFinished(kind)) return undefined;
    for (const entity of entities) {
      const relations = this.#targets.get(entity.blueprint);
      for (const name of Object.keys(entity.relations)) {
        const value = entity.relations[name];
        if (value === null || value === undefined) continue;
        const target = relations?.get(name);
        // A target that is not known (its blueprint, a search query) waits for every earlier kind.
        if (target === undefined) {
          if (namesAnything(value)) return null;
          continue;
        }
        const blocker = this.#unhandled(target, value);
        if (blocker !== undefined) return blocker;
      }
    }
    return undefined;
  }

  /** Whether a blocker that {@link blocker} gave for kind `kind` still holds. */
  holds(kind: number, blocker: string | null): boolean {
    if (this.#earlierFinished(kind)) return false;
    return blocker === null || !this.#handled.has(blocker);
  }

  /**
   * Resolves at the next change that may make a held entity ready (an earlier kind handled entities or finished).
   * A kind waits here only while it holds entities, which {@link holding} has told, so earlier kinds know to write
   * what they have (see {@link awaited}).
   */
  changed(): Promise<void> {
    return this.#changed.promise;
  }

  /**
   * How many changes the gate has seen: a held entity that was not ready cannot have become ready while this stays
   * the same, so a kind re-checks what it holds only when it moved.
   */
  get version(): number {
    return this.#version;
  }

  /** Kind `kind` holds (or no longer holds) entities that wait on earlier kinds: see {@link awaited}. */
  holding(kind: number, holds: boolean): void {
    if (holds) this.#holders.add(kind);
    else this.#holders.delete(kind);
  }

  /**
   * Whether a later kind holds entities that wait on earlier kinds, this one among them: this kind should then write
   * what it has now rather than when its batch is full, or the later kind stalls for a whole batch.
   */
  awaited(kind: number): boolean {
    for (const holder of this.#holders) if (holder > kind) return true;
    return false;
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

  /** The first identifier of a relation value that no earlier kind has handled yet; null for a search query. */
  #unhandled(target: string, value: unknown): string | null | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === "string") {
      const key = keyOf(target, value);
      return this.#handled.has(key) ? undefined : key;
    }
    if (!Array.isArray(value)) return null;
    for (const item of value) {
      const blocker = this.#unhandled(target, item);
      if (blocker !== undefined) return blocker;
    }
    return undefined;
  }

  #wake(): void {
    this.#version++;
    const current = this.#changed;
    this.#changed = signal();
    current.resolve();
  }
}

function keyOf(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

/** Whether a relation value points anywhere (an empty list does not). */
function namesAnything(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  return Array.isArray(value) ? value.some(namesAnything) : true;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
