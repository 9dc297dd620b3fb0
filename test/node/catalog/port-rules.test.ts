import { describe, expect, it } from "vitest";
import type { StoredEntity } from "../../../relay/catalog/catalog";
import {
  datasourceMatchOf,
  identityProblems,
  isOwnedDatasource,
  userAgentOf,
} from "../../../relay/catalog/integration-identity";
import { EntityIdentifierText } from "../../../relay/catalog/port-rules/entity-body";
import { formatProblem } from "../../../relay/catalog/port-rules/property-format";
import { compileSearchQuery, IDENTIFIER_QUERY_OPERATORS } from "../../../relay/catalog/port-rules/search-match";
import type { SearchQuery } from "../../../relay/catalog/search-query";
import { identity } from "./fixtures/catalog-fixtures";

/** @returns why Port's route schema refuses the identifier, or null when it accepts it */
function identifierProblem(identifier: string): string | null {
  const parsed = EntityIdentifierText.safeParse(identifier);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? "refused");
}

describe("Port's entity identifier rule", () => {
  it.each([
    "PROJ",
    "PROJ/repo/12",
    "ann@example.com",
    "a_b.c+d:e\\f=g-h",
    "日本語",
    "Ünïcödé",
    "...",
    "a".repeat(1000),
  ])("accepts %s", (identifier) => {
    expect(identifierProblem(identifier)).toBeNull();
  });

  it.each([
    ["", /must not be empty/],
    [".", /must match pattern/],
    ["..", /must match pattern/],
    ["with space", /must match pattern/],
    ["semi;colon", /must match pattern/],
    ["#hash", /must match pattern/],
    ["a".repeat(1001), /at most 1000 characters/],
  ])("refuses %j", (identifier, message) => {
    expect(identifierProblem(identifier)).toMatch(message);
  });
});

describe("property formats", () => {
  it.each([
    ["date-time", "2025-05-20T08:38:44Z", true],
    ["date-time", "2025-05-20T08:38:44.123+02:00", true],
    ["date-time", "2025-05-20T08:38:44+0000", false],
    ["date-time", "2025-05-20T08:38:44", false],
    ["date-time", "2025-02-30T00:00:00Z", false],
    ["date-time", "1747730324000", false],
    ["url", "https://bitbucket.example.com/projects/P", true],
    ["url", "ftp://files.example.com/x", true],
    ["url", "ssh://git@host/x.git", false],
    ["url", "/relative/path", false],
    ["email", "ann@example.com", true],
    ["email", "ann", false],
    ["ipv4", "10.0.0.1", true],
    ["ipv4", "10.0.0.256", false],
    ["markdown", "anything at all", true],
  ])("%s: %j passes = %s", (format, value, passes) => {
    expect(formatProblem(format, value) === null).toBe(passes);
  });
});

describe("integration identity", () => {
  it("builds Ocean's five-segment User-Agent and matches by prefix and suffix across versions", () => {
    const match = datasourceMatchOf(identity("dc-prod"));

    expect(userAgentOf(identity("dc-prod", "1.2.3"))).toBe("port-ocean/bitbucket-relay/1.2.3/dc-prod/exporter");
    expect(isOwnedDatasource(userAgentOf(identity("dc-prod", "9.9.9")), match)).toBe(true);
    expect(isOwnedDatasource(userAgentOf(identity("dc-test")), match)).toBe(false);
    expect(isOwnedDatasource("port-ocean/bitbucket-server/0.2.57/dc-prod/exporter", match)).toBe(false);
    expect(isOwnedDatasource(null, match)).toBe(false);
  });

  it("refuses segments that would shift the datasource's fields", () => {
    expect(identityProblems(identity("team/a"))).toEqual([expect.stringContaining('installationId "team/a"')]);
    expect(identityProblems(identity(""))).toHaveLength(1);
  });
});

describe("search queries", () => {
  const entity: StoredEntity = {
    blueprint: "bitbucketUser",
    identifier: "ann@example.com",
    title: "Ann",
    team: ["platform"],
    icon: null,
    properties: { username: "ann", stars: 5 },
    relations: {},
    datasource: "port-ocean/bitbucket-relay/1/x/exporter",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-02T00:00:00.000Z",
  };

  const cases: [SearchQuery, boolean][] = [
    [{ combinator: "and", rules: [{ property: "$identifier", operator: "=", value: "ann@example.com" }] }, true],
    [{ combinator: "and", rules: [{ property: "username", operator: "in", value: ["bob", "ann"] }] }, true],
    [
      {
        combinator: "and",
        rules: [
          { property: "$team", operator: "contains", value: "platform" },
          { property: "stars", operator: ">", value: 6 },
        ],
      },
      false,
    ],
    [
      {
        combinator: "or",
        rules: [
          { property: "stars", operator: ">", value: 6 },
          { combinator: "and", rules: [{ property: "$datasource", operator: "endsWith", value: "/x/exporter" }] },
        ],
      },
      true,
    ],
    [{ combinator: "and", rules: [{ property: "$updatedAt", operator: "<", value: "2026-01-01T12:00:00Z" }] }, false],
    [{ combinator: "and", rules: [{ property: "$title", operator: "!=", value: "Ann" }] }, false],
    [{ combinator: "and", rules: [{ property: "$icon", operator: "isEmpty" }] }, true],
  ];

  it.each(cases)("%j matches = %s", (query, expected) => {
    const compiled = compileSearchQuery(query);

    if (!compiled.ok) throw new Error(compiled.problem);
    expect(compiled.test(entity)).toBe(expected);
  });

  it("refuses operators Port does not allow where it does not allow them", () => {
    const compiled = compileSearchQuery(
      { combinator: "and", rules: [{ property: "username", operator: "contains", value: "a" }] },
      IDENTIFIER_QUERY_OPERATORS,
    );

    expect(compiled).toEqual({ ok: false, problem: 'operator "contains" is not allowed here (allowed: =, in)' });
  });
});
