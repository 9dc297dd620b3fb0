import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash } from "../../../relay/sync/content-hash";

describe("content hash", () => {
  it("ignores key order at every level but not array order", () => {
    const a = { identifier: "x", properties: { b: 1, a: [1, 2] }, relations: { r: null } };
    const reordered = { relations: { r: null }, properties: { a: [1, 2], b: 1 }, identifier: "x" };
    const swapped = { identifier: "x", properties: { b: 1, a: [2, 1] }, relations: { r: null } };

    expect(contentHash(a)).toBe(contentHash(reordered));
    expect(contentHash(a)).not.toBe(contentHash(swapped));
  });

  it("tells a null from an absent field, and the write mode apart", () => {
    expect(contentHash({ p: null })).not.toBe(contentHash({}));
    expect(contentHash({ p: 1 }, "merge")).not.toBe(contentHash({ p: 1 }, "replace"));
  });

  it("writes canonical JSON", () => {
    expect(canonicalJson({ b: [{ d: 1, c: "é" }], a: undefined, "": true })).toBe('{"":true,"b":[{"c":"é","d":1}]}');
  });
});
