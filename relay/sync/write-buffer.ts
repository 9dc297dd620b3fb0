import type { CatalogEntity } from "../catalog/catalog";
import { yieldWhenSliceSpent } from "./event-loop-slices";
import type { RelationGate } from "./relation-gate";

/**
 * A kind's mapped items on their way to the catalog: written in batches, each item once every entity its relations
 * point to has been handled by an earlier kind (relation-gate.ts). An item that is not ready is held, and the kind
 * goes on listing and mapping; kinds list in different orders (a repository's pull requests are listed long before
 * the repository kind has read that repository's README), so a kind that stopped at its first held item would move
 * at the pace of the earlier kind's enrichment and leave Bitbucket's request slots idle. Past `held` held entities
 * the kind does wait, so memory stays bounded. An item's entities stay together: they are written in one batch.
 *
 * Within a kind, an item may so be written after items listed later than it; items of one kind never wait on each
 * other (nor did they when kinds ran one after the other: the listing's order is Bitbucket's, not the relations').
 */
export class WriteBuffer<Item extends { readonly entities: readonly CatalogEntity[] }> {
  readonly #order: { gate: RelationGate; index: number } | undefined;
  readonly #write: (items: readonly Item[]) => Promise<void>;
  readonly #limits: WriteBufferLimits;
  #pending: Item[] = [];
  #pendingEntities = 0;
  /** Items not ready, each with what held it back when last checked (see {@link RelationGate.blocker}). */
  #held: { item: Item; blocker: string | null }[] = [];
  #heldEntities = 0;
  /** The gate's version when the held items were last checked: none can have become ready while it stays. */
  #checkedAt = -1;

  /**
   * @param order this kind's place among the kinds that run at once, or undefined when nothing orders its writes
   * @param write writes the items' entities (as one batch)
   */
  constructor(
    order: { gate: RelationGate; index: number } | undefined,
    write: (items: readonly Item[]) => Promise<void>,
    limits: WriteBufferLimits = DEFAULT_LIMITS,
  ) {
    this.#order = order;
    this.#write = write;
    this.#limits = limits;
  }

  /** Entities held back, waiting on earlier kinds. */
  get heldEntities(): number {
    return this.#heldEntities;
  }

  /** Buffers one item; a full batch is written (what of it is ready). */
  async add(item: Item): Promise<void> {
    this.#pending.push(item);
    this.#pendingEntities += item.entities.length;
    if (this.#pendingEntities >= this.#limits.batch) await this.flush();
  }

  /**
   * Writes what is ready now (held items an earlier kind has since made ready, then the buffered ones) and holds the
   * rest; then waits on earlier kinds while more than the limit is held.
   */
  async flush(): Promise<void> {
    await this.#writeReady(true);
    while (this.#heldEntities > this.#limits.held) await this.#waitAndWrite();
  }

  /** Writes everything, waiting on earlier kinds as long as it takes (they never wait on this one). */
  async drain(): Promise<void> {
    await this.flush();
    while (this.#heldEntities > 0) await this.#waitAndWrite();
  }

  /** This kind holds nothing any more for the gate (it finished, failed or stopped; what it held is not written). */
  close(): void {
    this.#order?.gate.holding(this.#order.index, false);
  }

  async #waitAndWrite(): Promise<void> {
    const order = this.#order;
    if (order === undefined) return;
    // Only when nothing changed since the held items were checked: a change during the last write (an earlier kind
    // finishing) wakes no one, and waiting for the next one would wait for ever.
    if (order.gate.version === this.#checkedAt) await order.gate.changed();
    await this.#writeReady(false);
  }

  /** @param withPending whether the buffered items go too (false: only held ones that became ready) */
  async #writeReady(withPending: boolean): Promise<void> {
    const ready = this.#takeReady(withPending);
    let batch: Item[] = [];
    let entities = 0;
    for (const item of ready) {
      batch.push(item);
      entities += item.entities.length;
      if (entities >= this.#limits.batch) {
        await yieldWhenSliceSpent();
        await this.#write(batch);
        batch = [];
        entities = 0;
      }
    }
    if (batch.length === 0) return;
    await yieldWhenSliceSpent();
    await this.#write(batch);
  }

  #takeReady(withPending: boolean): Item[] {
    const order = this.#order;
    const pending = withPending ? this.#pending.splice(0) : [];
    if (withPending) this.#pendingEntities = 0;
    if (order === undefined) return pending;
    const { gate, index } = order;
    const ready: Item[] = [];
    if (this.#held.length > 0 && this.#checkedAt !== gate.version) {
      const held = this.#held;
      this.#held = [];
      this.#heldEntities = 0;
      for (const entry of held) {
        // Most held items wait on a repository still being read: one set lookup, not a walk of their relations.
        if (gate.holds(index, entry.blocker)) this.#hold(entry);
        else this.#sort(entry.item, ready, gate, index);
      }
    }
    this.#checkedAt = gate.version;
    for (const item of pending) this.#sort(item, ready, gate, index);
    gate.holding(index, this.#held.length > 0);
    return ready;
  }

  #sort(item: Item, ready: Item[], gate: RelationGate, index: number): void {
    const blocker = gate.blocker(index, item.entities);
    if (blocker === undefined) ready.push(item);
    else this.#hold({ item, blocker });
  }

  #hold(entry: { item: Item; blocker: string | null }): void {
    this.#held.push(entry);
    this.#heldEntities += entry.item.entities.length;
  }
}

export interface WriteBufferLimits {
  /** Entities per write: large enough to fill Port's bulk calls, small enough to stay flat. */
  batch: number;
  /** Entities held back at most before the kind waits on earlier kinds (a mapped pull request is about a kilobyte). */
  held: number;
}

/**
 * 60: three of Port's bulk calls of 20. Smaller than it was (200) because the local catalog writes a batch in one
 * synchronous transaction, during which no answer from Bitbucket is taken in: bench:resync's first run went from
 * 1.32-1.33x to 1.28-1.30x of its request bound with batches of 50 (two runs each). 600 held: the pull-request kind
 * stays about 30 repositories ahead of the repository kind, enough to keep its requests going; 2,000 only added
 * to the live heap (25-27 MB after GC instead of 22) and to the time in GC, for a slower run (1.35x).
 */
const DEFAULT_LIMITS: WriteBufferLimits = { batch: 60, held: 600 };
