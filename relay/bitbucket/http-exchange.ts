/**
 * One HTTP request and its answer as the Bitbucket transport needs them, whatever sends it: undici's `request`
 * (the default, see undici-send.ts) or an injected `fetch` (tests that count calls, the console's metrics).
 */

export interface ExchangeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Aborts the request and the reading of its body. */
  signal: AbortSignal;
}

export interface Exchange {
  status: number;
  headers: Headers;
  /** The whole body as UTF-8. */
  text(): Promise<string>;
  /** Reads at most `maxBytes`, cutting at a character boundary, and stops downloading the rest. */
  readText(maxBytes: number): Promise<{ text: string; truncated: boolean }>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

/** Sends a request; rejects as `fetch` would (network failure, abort), never on an HTTP status. */
export type Send = (request: ExchangeRequest) => Promise<Exchange>;

/** A `Send` over a `fetch` (following redirects, as the transport always has). */
export function fetchSend(fetchImpl: typeof fetch): Send {
  return async (request) => {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      redirect: "follow",
    });
    return {
      status: response.status,
      headers: response.headers,
      text: () => response.text(),
      readText: async (maxBytes) =>
        response.body === null ? { text: "", truncated: false } : readCappedText(response.body, maxBytes),
      discard: async () => {
        await response.body?.cancel();
      },
    };
  };
}

/**
 * Reads a body's chunks as UTF-8 up to `maxBytes`, cutting at a character boundary. Leaving the loop early ends
 * the iterator, which cancels a web stream (`fetch`) or destroys a Node stream (undici): the rest is not downloaded.
 */
export async function readCappedText(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let kept = 0;
  for await (const value of chunks) {
    const room = maxBytes - kept;
    if (value.byteLength > room) {
      // `stream: true` holds back a partial multi-byte character, so the cut never yields a broken one.
      text += decoder.decode(value.subarray(0, room), { stream: true });
      return { text, truncated: true };
    }
    kept += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
  return { text: text + decoder.decode(), truncated: false };
}
