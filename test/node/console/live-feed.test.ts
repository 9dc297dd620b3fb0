import { describe, expect, it } from "vitest";
import { type FeedEntry, LiveFeed } from "../../../relay/console/live-feed";

function entry(n: number): FeedEntry {
  return {
    messageId: String(n),
    type: "event",
    eventKey: "pr:opened",
    entityKey: `pull-request:P/r/${n}`,
    resyncReason: null,
    attempts: 1,
    outcome: "ok",
    detail: null,
    delayMs: 10,
    startedAt: n,
    finishedAt: n,
  };
}

describe("the live feed", () => {
  it("keeps the last entries, newest first, however many were added", () => {
    const feed = new LiveFeed(3);
    for (let n = 1; n <= 7; n++) feed.add(entry(n));

    expect(feed.recent().map((e) => e.messageId)).toEqual(["7", "6", "5"]);
    expect(feed.recent(2).map((e) => e.messageId)).toEqual(["7", "6"]);
    expect(feed.total).toBe(7);
  });

  it("is empty before anything is added, and partial until full", () => {
    const feed = new LiveFeed(4);
    expect(feed.recent()).toEqual([]);
    feed.add(entry(1));
    feed.add(entry(2));

    expect(feed.recent().map((e) => e.messageId)).toEqual(["2", "1"]);
  });
});
