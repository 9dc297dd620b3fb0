import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../shared/crypto/digest";
import { LeaseResponse } from "../../shared/protocol/schema";
import { PAYLOAD_CHUNK_BYTES } from "../../worker/queue/payloads";
import { lease } from "./support/agent";
import { agentCall, deliver, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

/**
 * A pull request whose description makes the body `size` bytes: multi-byte characters throughout, so that chunk
 * boundaries fall inside characters, and an odd spacing that a re-serialisation would not reproduce.
 */
function largeBody(size: number): string {
  const event = pullRequestEvent("pr:opened", 9);
  const head = `{ "eventKey" :"pr:opened",  "pullRequest": ${JSON.stringify(event.pullRequest)},\n "description": "`;
  const tail = '"}';
  const unit = "é€😀abc";
  const budget = size - new TextEncoder().encode(head + tail).byteLength;
  let filler = unit.repeat(Math.ceil(budget / new TextEncoder().encode(unit).byteLength));
  while (new TextEncoder().encode(filler).byteLength > budget) filler = filler.slice(0, -1);
  while (new TextEncoder().encode(filler).byteLength < budget) filler += "a";
  return head + filler + tail;
}

describe("large payloads", () => {
  it("stores a 5 MiB body in chunks and leases it back byte-exact", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const body = largeBody(5 * 1024 * 1024);
    const bytes = new TextEncoder().encode(body);

    const accepted = await deliver(bindings, tenant, { eventKey: "pr:opened", rawBody: bytes, payload: null });
    const chunks = await runInDurableObject(queueStub(tenant), (_instance, state) =>
      state.storage.sql
        .exec<{ n: number; largest: number }>("SELECT COUNT(*) AS n, MAX(LENGTH(data)) AS largest FROM payload_chunks")
        .one(),
    );
    const response = await agentCall(bindings, tenant, "/lease", {});
    const text = await response.text();

    expect(accepted.status).toBe(202);
    expect(bytes.byteLength).toBe(5 * 1024 * 1024);
    expect(chunks).toEqual({ n: Math.ceil(bytes.byteLength / PAYLOAD_CHUNK_BYTES), largest: PAYLOAD_CHUNK_BYTES });
    // The body appears in the answer exactly as sent, spacing included, and parses to the same value.
    const start = text.indexOf('"payload":') + '"payload":'.length;
    const returned = new TextEncoder().encode(text.slice(start, start + body.length));
    expect(await sha256Hex(returned)).toBe(await sha256Hex(bytes));
    const parsed = LeaseResponse.parse(JSON.parse(text));
    expect(parsed.messages[0]?.payload).toEqual(JSON.parse(body));
  });

  it("returns at least one large message per lease and keeps the rest for the next one", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    // Three 7 MiB bodies exceed the 16 MiB a single lease answer carries.
    for (let i = 0; i < 3; i++) {
      const body = largeBody(7 * 1024 * 1024).replace('"pullRequest": {"id":9', `"pullRequest": {"id":${10 + i}`);
      expect((await deliver(bindings, tenant, { eventKey: "pr:opened", rawBody: body, payload: null })).status).toBe(
        202,
      );
    }

    const first = await lease(bindings, tenant, { max: 10 });
    const second = await lease(bindings, tenant, { max: 10 });

    expect([first.messages.length, first.backlog]).toEqual([2, 1]);
    expect([second.messages.length, second.backlog]).toEqual([1, 0]);
  });
});
