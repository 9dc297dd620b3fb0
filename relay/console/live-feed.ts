import type { ResyncReason } from "../../shared/protocol/schema";

/** One handled message, as the console's live feed shows it. */
export interface FeedEntry {
  messageId: string;
  type: "event" | "resync";
  eventKey: string | null;
  /** The edge's ordering key (`repository:KEY/slug`…); null for messages without one. */
  entityKey: string | null;
  resyncReason: ResyncReason | null;
  attempts: number;
  outcome: "ok" | "retry" | "dead";
  /** Why it was retried or dead-lettered. */
  detail: string | null;
  /** From the edge's receipt to the end of the handling (ms). */
  delayMs: number;
  startedAt: number;
  finishedAt: number;
}

/**
 * The last messages the agent handled, newest first: a fixed-size ring in memory (nothing to store, nothing
 * that grows), lost on restart on purpose; the durable record is the resync history and the edge's dead letters.
 */
export class LiveFeed {
  readonly #entries: (FeedEntry | undefined)[];
  #next = 0;
  #total = 0;

  constructor(readonly capacity = 200) {
    this.#entries = new Array<FeedEntry | undefined>(capacity);
  }

  add(entry: FeedEntry): void {
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    this.#total++;
  }

  /** How many were ever added (the ring keeps the last `capacity`). */
  get total(): number {
    return this.#total;
  }

  /** Newest first, at most `limit`. */
  recent(limit = this.capacity): FeedEntry[] {
    const out: FeedEntry[] = [];
    for (let step = 1; step <= Math.min(limit, this.capacity); step++) {
      const entry = this.#entries[(this.#next - step + this.capacity) % this.capacity];
      if (entry === undefined) break;
      out.push(entry);
    }
    return out;
  }
}
