import { describe, expect, it } from "vitest";
import { OutcomeTally } from "../../../relay/sync/outcome-tally";

function failure(tally: OutcomeTally, kind: "repository" | "pull-request" | null, message: string): void {
  tally.addFailure(
    { cause: kind === null ? "catalog-unavailable" : "mapping-error", kind, message, fix: "f" },
    message,
  );
}

describe("OutcomeTally with kinds running at once", () => {
  it("lists groups that tie as if the kinds had run one after the other, the most frequent first", () => {
    const tally = new OutcomeTally();
    failure(tally, null, "before the kinds");
    tally.kindsStarting(["repository", "pull-request"]);
    failure(tally, "pull-request", "a pull request");
    failure(tally, "repository", "a repository");
    failure(tally, "repository", "a repository");
    tally.addFailure({ cause: "listing-failed", kind: "pull-request", message: "m", fix: "f" }, "m");
    tally.addFailure({ cause: "listing-failed", kind: "repository", message: "m", fix: "f" }, "m");
    tally.kindsFinished();
    failure(tally, null, "after the kinds");

    expect(tally.failures().map((group) => `${group.cause}/${group.kind}/${group.count}`)).toEqual([
      "catalog-unavailable/null/2",
      "mapping-error/repository/2",
      "listing-failed/repository/1",
      "mapping-error/pull-request/1",
      "listing-failed/pull-request/1",
    ]);
  });

  it("keeps warnings that tie in mapping order of their kinds", () => {
    const tally = new OutcomeTally();
    tally.kindsStarting(["repository", "pull-request"]);
    tally.addWarning("pull-request", "file-unmapped", ".b", "example");
    tally.addWarning("repository", "file-unmapped", ".a", "example");

    expect(tally.warnings().map((warning) => warning.kind)).toEqual(["repository", "pull-request"]);
  });
});
