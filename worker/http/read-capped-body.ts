import { EdgeError } from "./edge-error";

/**
 * Reads a request body once, as bytes, refusing it with 413 as soon as it is known to be over `maxBytes`: by its
 * `Content-Length` before anything is read, or while reading a body sent without one (chunked). Nothing of a
 * refused body is kept.
 */
export async function readCappedBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) {
      throw new EdgeError(400, "invalid_content_length", "Content-Length must be a whole number of bytes");
    }
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel("body too large");
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(maxBytes: number): EdgeError {
  return new EdgeError(
    413,
    "payload_too_large",
    `the body is larger than ${maxBytes} bytes (MAX_BODY_BYTES); raise MAX_BODY_BYTES in the Worker's [vars] if such payloads are expected`,
  );
}
