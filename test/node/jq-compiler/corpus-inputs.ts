import type { Json } from "../../../relay/mapping/engine";
import { seedPayload } from "../mapping/seed-files";

/** A pull request of the seed's shape with fields missing, null or of the wrong type. */
function brokenPullRequests(pr: Json): Json[] {
  const base = typeof pr === "object" && pr !== null && !Array.isArray(pr) ? pr : {};
  return [
    { ...base, id: "17", createdDate: "1747730324792", reviewers: null, closedDate: 1747730999000, state: "MERGED" },
    { ...base, links: null, toRef: { displayId: 5 }, participants: [{ user: null }], title: ["not", "a", "string"] },
    { id: 3.5, createdDate: -1000, updatedDate: 1e15, reviewers: [], participants: {}, fromRef: "main" },
    {
      ...base,
      author: { user: { emailAddress: "ünïcödé@exämple.com", slug: "~zoë" } },
      title: "Fix 😀 emoji \u0000 nul",
    },
  ];
}

/**
 * The generated inputs every expression runs on: null, missing fields, wrong types, unicode, large and tiny
 * numbers, empty arrays, keys JavaScript treats specially, and the seed's payloads (intact and broken).
 */
export function corpusInputs(): Json[] {
  const pr = seedPayload("pull-request");
  return [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    3,
    1747730324792,
    1747730324.792,
    1e21,
    1e-7,
    123456789012345680000,
    9007199254740993,
    0.1,
    "",
    "abc",
    "a, b, c",
    "foo-123",
    "  Mixed CASE a1b2 x  ",
    "2015-03-05T23:51:47Z",
    "1425599507",
    "é ü 😀 \u2028 \u001f \u007f",
    "YWJj",
    '[1,{"a":null}]',
    [],
    [1, 2, 3],
    [3, 1, 2, 1],
    [null, false, true, 0, "a", [], {}],
    ["a", "B", "c", "é"],
    [
      [1, 2],
      [3, [4, [5]]],
    ],
    [{ a: 2, b: "x" }, { a: 1 }, { a: 2, b: "y" }, { b: 0 }],
    [{ key: "a", value: 1 }, { name: "b", v: 2 }, { k: "c" }],
    { key: "b", value: "x", k: "a" },
    {},
    { a: 1, b: 2 },
    { a: { b: { c: "deep" } }, k: "a", v: [1] },
    { a: null, b: false, x: 1e17 },
    { b: 1, a: [1, "x", null], "2": true },
    { __proto__: null, constructor: "c", toString: 1 } as unknown as Json,
    JSON.parse('{"__proto__": {"x": 1}, "y": -0}') as Json,
    seedPayload("project"),
    seedPayload("repository"),
    seedPayload("user"),
    pr,
    ...brokenPullRequests(pr),
  ];
}
