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

  it("converts a payload nested 10,000 levels deep without overflowing the stack, keeping __proto__ as data", () => {
    // Written as text: JSON.stringify itself would overflow the stack on a value this deep.
    let deep = '{"createdDate":"2026-08-19T17:27:55.266Z"}';
    for (let i = 0; i < 10_000; i++) deep = i % 2 === 0 ? `{"a":${deep}}` : `[${deep}]`;
    const payload: unknown = JSON.parse(
      `{"pullRequest":{"id":1,"createdDate":"2026-08-19T17:27:55+0000","__proto__":{"createdDate":"x"},"title":{"deep":${deep}}}}`,
    );

    const converted = toRestDialect(payload);

    let cursor: unknown = (converted as { pullRequest: { title: { deep: unknown } } }).pullRequest.title.deep;
    for (let i = 9_999; i >= 0; i--) {
      cursor = i % 2 === 0 ? (cursor as { a: unknown }).a : (cursor as unknown[])[0];
    }
    expect(cursor).toEqual({ createdDate: Date.parse("2026-08-19T17:27:55.266Z") });
    const pullRequest = (converted as { pullRequest: object }).pullRequest;
    expect(Object.getPrototypeOf(pullRequest)).toBe(Object.prototype);
    expect(Object.keys(pullRequest)).toEqual(["id", "createdDate", "__proto__", "title"]);
    expect(Object.getOwnPropertyDescriptor(pullRequest, "__proto__")?.value).toEqual({ createdDate: "x" });
  });
});
