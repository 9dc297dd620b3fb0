import { describe, expect, it } from "vitest";
import { parseSignatureHeader, signWebhookBody, verifyWebhookSignature } from "../../../shared/crypto/hmac";

const encoder = new TextEncoder();

// Vectors from the reference notes (bitbucket-server-api.md §5.2), secret `s3cr3t`.
const COMPACT = "sha256=fb5ae2ff34df84bac61e1fc1bd02da526cf29c8e0af411e2fb31c068315a97f9";
const SPACED = "sha256=3b603dc6d5e2c989e2bfc76207643d3abe2227fcfd8bd41f90854e7e78e3a47b";

describe("webhook HMAC", () => {
  it.each([
    ['{"test":true}', COMPACT],
    ['{"test": true}', SPACED],
  ])("signs %s as Bitbucket does", async (body, expected) => {
    expect(await signWebhookBody("s3cr3t", body)).toBe(expected);
  });

  it("verifies the raw bytes only: one space of difference fails", async () => {
    const body = encoder.encode('{"test": true}');

    expect(await verifyWebhookSignature(SPACED, body, ["s3cr3t"])).toBe(0);
    expect(await verifyWebhookSignature(COMPACT, body, ["s3cr3t"])).toBe(-1);
  });

  it("accepts the previous secret during a rotation and says which matched", async () => {
    const body = encoder.encode('{"test":true}');

    expect(await verifyWebhookSignature(COMPACT, body, ["new-secret", "s3cr3t"])).toBe(1);
    expect(await verifyWebhookSignature(COMPACT, body, ["new-secret"])).toBe(-1);
    expect(await verifyWebhookSignature(COMPACT, body, [])).toBe(-1);
  });

  it("normalises case and an absent prefix, rejects malformed headers", async () => {
    const body = encoder.encode('{"test":true}');

    expect(await verifyWebhookSignature(COMPACT.toUpperCase().replace("SHA256=", "sha256="), body, ["s3cr3t"])).toBe(0);
    expect(await verifyWebhookSignature(COMPACT.slice("sha256=".length), body, ["s3cr3t"])).toBe(0);
    expect(parseSignatureHeader(null)).toBeNull();
    expect(parseSignatureHeader("sha256=xyz")).toBeNull();
    expect(parseSignatureHeader(`sha1=${"0".repeat(40)}`)).toBeNull();
  });
});
