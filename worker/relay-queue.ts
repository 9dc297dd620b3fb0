import { DurableObject } from "cloudflare:workers";

/** The per-tenant queue (SQLite Durable Object). Built out in the edge-relay issue. */
export class RelayQueue extends DurableObject {}
