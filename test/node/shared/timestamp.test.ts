import { describe, expect, it } from "vitest";
import { parseBitbucketTimestamp, toRestDialect } from "../../../shared/bitbucket/timestamp";

describe("Bitbucket timestamps", () => {
  it.each([
    [1747730324792, 1747730324792],
    ["1747730324792", 1747730324792],
    ["2026-08-19T17:27:55.266Z", Date.UTC(2026, 7, 19, 17, 27, 55, 266)],
    ["2026-08-19T17:27:55+0000", Date.UTC(2026, 7, 19, 17, 27, 55)],
    ["2026-08-19T17:27:55+00:00", Date.UTC(2026, 7, 19, 17, 27, 55)],
    ["2017-09-19T09:45:32+1000", Date.UTC(2017, 8, 18, 23, 45, 32)],
    ["2017-09-19T09:45:32-0230", Date.UTC(2017, 8, 19, 12, 15, 32)],
  ])("reads %s", (input, expected) => {
    expect(parseBitbucketTimestamp(input)).toBe(expected);
  });

  it.each([["yesterday"], [""], [null], [{}], [Number.NaN], ["2026-13-45T99:00:00Z"]])("refuses %s", (input) => {
    expect(parseBitbucketTimestamp(input)).toBeNull();
  });

  it("turns a 10.x payload into the REST dialect, deep, leaving other strings alone", () => {
    const payload = {
      pullRequest: { createdDate: "2026-08-19T17:27:55.266Z", title: "2026-08-19T17:27:55Z", closedDate: 5 },
      commits: [{ committerTimestamp: "2018-09-21T14:09:51.000Z" }],
    };

    expect(toRestDialect(payload)).toEqual({
      pullRequest: {
        createdDate: Date.UTC(2026, 7, 19, 17, 27, 55, 266),
        title: "2026-08-19T17:27:55Z",
        closedDate: 5,
      },
      commits: [{ committerTimestamp: Date.UTC(2018, 8, 21, 14, 9, 51) }],
    });
  });
});
