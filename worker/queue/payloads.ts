/**
 * Webhook bodies, stored in chunks: a SQLite row (and a BLOB) in a Durable Object is capped at 2 MB, and a
 * Bitbucket payload can be larger (a PR with a long description, a push with many commits). Chunks are bound as
 * parameters, never inlined into the SQL text (100 KB per statement).
 */

/** 1 MiB: well under the 2 MB row limit. */
export const PAYLOAD_CHUNK_BYTES = 1024 * 1024;

export function writePayload(sql: SqlStorage, seq: number, body: Uint8Array): void {
  for (let part = 0, offset = 0; offset < body.byteLength || part === 0; part++, offset += PAYLOAD_CHUNK_BYTES) {
    const chunk = body.subarray(offset, offset + PAYLOAD_CHUNK_BYTES);
    // A copy, so that the row holds exactly these bytes and not the whole underlying buffer.
    sql.exec("INSERT INTO payload_chunks (seq, part, data) VALUES (?, ?, ?)", seq, part, chunk.slice().buffer);
  }
}

/** @returns the body, byte-exact, reassembled from its chunks */
export function readPayload(sql: SqlStorage, seq: number, byteLength: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  let offset = 0;
  for (const row of sql.exec<{ data: ArrayBuffer }>(
    "SELECT data FROM payload_chunks WHERE seq = ? ORDER BY part",
    seq,
  )) {
    const bytes = new Uint8Array(row.data);
    if (offset + bytes.byteLength > byteLength) throw new Error(`payload of message ${seq} is longer than recorded`);
    out.set(bytes, offset);
    offset += bytes.byteLength;
  }
  if (offset !== byteLength)
    throw new Error(`payload of message ${seq} is incomplete (${offset} of ${byteLength} bytes)`);
  return out;
}

export function deletePayload(sql: SqlStorage, seq: number): void {
  sql.exec("DELETE FROM payload_chunks WHERE seq = ?", seq);
}

/** Deletes messages and their payloads (their delivery ids stay, so late duplicates are still recognised). */
export function dropMessages(sql: SqlStorage, seqs: readonly number[]): void {
  for (const seq of seqs) {
    deletePayload(sql, seq);
    sql.exec("DELETE FROM messages WHERE seq = ?", seq);
  }
}
