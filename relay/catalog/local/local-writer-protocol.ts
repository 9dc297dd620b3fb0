import { z } from "zod";

/**
 * The messages between the local catalog and its writer thread (local-writer-thread.ts, local-writer-entry.ts).
 * Both sides are this project's code, built together; the envelopes are still checked, so that a mismatch between
 * a stale bundle and its writer fails with a message instead of a wrong result. The payloads are not: entities are
 * checked where they enter the catalog (`planUpsert`), results are the writer's own.
 */

/** What the thread is started with. */
export const WriterData = z.strictObject({ path: z.string().min(1) });
export type WriterData = z.infer<typeof WriterData>;

export const WriterRequest = z.discriminatedUnion("op", [
  z.strictObject({
    id: z.number().int(),
    op: z.literal("upsert"),
    entities: z.array(z.unknown()),
    flags: z.strictObject({ merge: z.boolean(), createMissingRelatedEntities: z.boolean() }),
    datasource: z.string(),
    now: z.string(),
  }),
  z.strictObject({
    id: z.number().int(),
    op: z.literal("delete"),
    keys: z.array(z.strictObject({ blueprint: z.string(), identifier: z.string() })),
    deleteDependents: z.boolean(),
    now: z.string(),
  }),
  z.strictObject({ id: z.number().int(), op: z.literal("reloadBlueprints") }),
  z.strictObject({ id: z.number().int(), op: z.literal("close") }),
]);
export type WriterRequest = z.infer<typeof WriterRequest>;

export const WriterReply = z.discriminatedUnion("ok", [
  z.strictObject({ id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.strictObject({
    id: z.number().int(),
    ok: z.literal(false),
    /** An SQLite error (the file, the disk, a lock held too long): the catalog is unavailable, not one entity. */
    storage: z.boolean(),
    message: z.string(),
  }),
]);
export type WriterReply = z.infer<typeof WriterReply>;
