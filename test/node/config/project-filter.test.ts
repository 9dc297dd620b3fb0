import { describe, expect, it } from "vitest";
import { compileProjectFilter } from "../../../shared/mapping-config/project-filter";

function matching(selector: { projects?: string[]; projectFilterRegex?: string }): string[] {
  const filter = compileProjectFilter(selector);
  if (filter.kind === "error") throw new Error(filter.message);
  return ["PLAT", "PLATFORM", "MYPLAT", "plat", "~alice", "OPS"].filter(filter.matches);
}

describe("project selectors", () => {
  it("anchor projectFilterRegex at the start only, like Ocean's re.match, so migrated mappings select the same projects", () => {
    expect(matching({ projectFilterRegex: "PLAT" })).toEqual(["PLAT", "PLATFORM"]);
    expect(matching({ projectFilterRegex: "PLAT$" })).toEqual(["PLAT"]);
    expect(matching({ projectFilterRegex: ".*PLAT" })).toEqual(["PLAT", "PLATFORM", "MYPLAT"]);
    expect(matching({ projectFilterRegex: "PLAT|OPS" })).toEqual(["PLAT", "PLATFORM", "OPS"]);
  });

  it("translate Python's (?i) and named groups", () => {
    expect(matching({ projectFilterRegex: "(?i)plat$" })).toEqual(["PLAT", "plat"]);
    expect(matching({ projectFilterRegex: "(?P<p>[A-Z])(?P=p)" })).toEqual([]);
    expect(matching({ projectFilterRegex: "(?P<first>O)PS" })).toEqual(["OPS"]);
  });

  it("match keys exactly and case-sensitively, and combine both selectors with AND", () => {
    expect(matching({ projects: ["PLAT", "~alice"] })).toEqual(["PLAT", "~alice"]);
    expect(matching({ projects: ["PLAT", "PLATFORM", "OPS"], projectFilterRegex: "PLAT" })).toEqual([
      "PLAT",
      "PLATFORM",
    ]);
    expect(matching({})).toHaveLength(6);
  });

  it("report a regex that does not compile, quoting the user's pattern", () => {
    expect(compileProjectFilter({ projectFilterRegex: "[A-" })).toEqual({
      kind: "error",
      message: expect.stringContaining("/[A-/"),
    });
  });
});
