import type { Kind } from "../../shared/mapping-config/schema";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { Json } from "../mapping/engine";
import { maskSecrets } from "./mask-secrets";
import type { PortIntegrationClient } from "./port-integration-client";

/** Ocean's `SEND_RAW_DATA_EXAMPLES_AMOUNT`: raw items per kind per resync for Port's "Test mapping". */
export const RAW_EXAMPLES_PER_KIND = 5;

/**
 * Sends the first raw items of each kind of a resync (after enrichment, so `__readme` and `__latestCommit` are
 * there to map) to Port's examples route, masked. Sending never holds up the resync, and a failure is logged and
 * ignored, as in Ocean.
 */
export class RawExamples {
  readonly #client: PortIntegrationClient;
  readonly #log: Logger;
  readonly #knownSecrets: readonly string[];
  readonly #sent = new Map<Kind, number>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: { client: PortIntegrationClient; log: Logger; knownSecrets: readonly string[] }) {
    this.#client = options.client;
    this.#log = options.log;
    this.#knownSecrets = options.knownSecrets;
  }

  /** A new resync: each kind may send its first items again. */
  reset(): void {
    this.#sent.clear();
  }

  /** A listed page of a kind (called by the resync for every page). */
  offer(kind: Kind, items: readonly Json[]): void {
    const sent = this.#sent.get(kind) ?? 0;
    if (sent >= RAW_EXAMPLES_PER_KIND || items.length === 0) return;
    const examples = items.slice(0, RAW_EXAMPLES_PER_KIND - sent).map((item) => maskSecrets(item, this.#knownSecrets));
    this.#sent.set(kind, sent + examples.length);
    const sending = this.#client
      .sendExamples(kind, examples)
      .catch((error: unknown) => {
        this.#log.warn({ kind, error: messageOf(error) }, "Could not send raw data examples to Port; ignored");
      })
      .finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  }

  /** Waits for the examples in flight (at the end of a resync, so none is cut off by a stop). */
  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
