import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { CatalogEntity } from "../catalog";
import { openCatalogFile } from "./local-connection";
import { LocalStore } from "./local-store";
import { WriterData, type WriterReply, WriterRequest } from "./local-writer-protocol";
import { deleteEntities, upsertEntities } from "./local-writes";

/**
 * The local catalog's writer thread: its own connection to the catalog file, doing the `upsert` and `delete` calls
 * that the agent's thread sends, one transaction each, in the order they come (local-writer-thread.ts says why).
 * Bundled on its own (dist/local-writer.mjs), since a worker thread needs a JavaScript file to start from.
 */

const port = parentPort;
if (port === null) throw new Error("local-writer-entry runs as a worker thread of the local catalog");
const { path } = WriterData.parse(workerData);
const db = openCatalogFile(path);
// Half the cache the agent's thread had when it wrote (16 MiB): a page beyond it costs this thread a read from the
// OS's file cache, not the agent's event loop, and the thread's own heap and allocator take the other 8 MiB. At
// bench:resync's scale 1 the first run took 1.22x of its request bound with either size, with a peak RSS of 197
// and 206 MB.
db.pragma("cache_size = -8192");
const store = new LocalStore(db);

port.on("message", (message: unknown) => {
  const parsed = WriterRequest.safeParse(message);
  if (!parsed.success) {
    const id = typeof message === "object" && message !== null && "id" in message ? Number(message.id) : -1;
    reply({
      id,
      ok: false,
      storage: false,
      message: `the writer thread got a message it cannot read: ${parsed.error.message}`,
    });
    return;
  }
  const request = parsed.data;
  if (request.op === "close") {
    db.close();
    reply({ id: request.id, ok: true, value: null });
    port.close();
    return;
  }
  try {
    reply({ id: request.id, ok: true, value: db.transaction(() => handle(request))() });
  } catch (error) {
    const storage = error instanceof Database.SqliteError;
    reply({ id: request.id, ok: false, storage, message: error instanceof Error ? error.message : String(error) });
  }
});

function handle(request: Exclude<WriterRequest, { op: "close" }>): unknown {
  switch (request.op) {
    case "upsert":
      // The entities are checked here, as on the agent's thread: planUpsert validates each one's body.
      return upsertEntities(store, request.entities as CatalogEntity[], request.flags, request.datasource, request.now);
    case "delete":
      return deleteEntities(store, request.keys, request.deleteDependents, request.now);
    case "reloadBlueprints":
      store.reloadBlueprints();
      return null;
  }
}

function reply(message: WriterReply): void {
  port?.postMessage(message);
}
