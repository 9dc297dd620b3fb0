import { describe, expect, it } from "vitest";
import { HashedKeySet } from "../../../relay/sync/hashed-key-set";

describe("HashedKeySet", () => {
  it("holds what was added, and nothing else, across its growth", () => {
    const set = new HashedKeySet();
    const key = (index: number) => `bitbucketRepository\u0000P${index % 500}/repo-${index}`;
    for (let index = 0; index < 100_000; index++) set.add(key(index));
    // Adding again changes nothing.
    for (let index = 0; index < 1_000; index++) set.add(key(index));

    expect(set.size).toBe(100_000);
    let held = 0;
    for (let index = 0; index < 100_000; index++) if (set.has(key(index))) held++;
    expect(held).toBe(100_000);
    let strangers = 0;
    for (let index = 100_000; index < 300_000; index++) if (set.has(key(index))) strangers++;
    expect(strangers).toBe(0);
    // Keys that differ only in their blueprint or by one character are different keys.
    expect(set.has(`bitbucketProject\u0000P1/repo-1`)).toBe(false);
    expect(set.has(`bitbucketRepository\u0000P1/repo-1 `)).toBe(false);
    expect(set.has("")).toBe(false);
  });

  it("forgets everything on clear", () => {
    const set = new HashedKeySet();
    set.add("a");
    set.add("b");
    set.clear();
    expect(set.size).toBe(0);
    expect(set.has("a")).toBe(false);
    set.add("a");
    expect(set.has("a")).toBe(true);
  });
});
