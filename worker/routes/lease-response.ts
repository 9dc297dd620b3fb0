import type { LeaseResult } from "../relay-queue";

const utf8 = new TextDecoder("utf-8");

/**
 * Writes the lease answer (`LeaseResponse` in shared/protocol/schema.ts) as JSON text, with each webhook body
 * spliced in exactly as Bitbucket sent it instead of parsed and re-serialised: the agent gets the original bytes
 * (key order, number spelling, whitespace) and a 5 MiB body costs no parse on the edge. Safe because ingest only
 * stores bodies that parsed as one JSON object.
 */
export function renderLeaseResponse(result: LeaseResult): string {
  const messages = result.messages.map(({ payload, ...meta }) => {
    const head = JSON.stringify(meta);
    return payload === undefined ? head : `${head.slice(0, -1)},"payload":${utf8.decode(payload)}}`;
  });
  return `{"messages":[${messages.join(",")}],"backlog":${JSON.stringify(result.backlog)}}`;
}
