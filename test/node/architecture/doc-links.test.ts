import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The docs link only files a clone of the project has: a link out of the tree (../shared/…) or to a file that was
// moved is a dead end for every reader.

const ROOT = resolve(import.meta.dirname, "../../..");
const DOCS = ["README.md", "CONTRIBUTING.md", ...readdirSync(join(ROOT, "docs")).map((name) => `docs/${name}`)].filter(
  (file) => file.endsWith(".md"),
);

/** Relative link targets of a Markdown file: `[text](target)`, without anchors; web links are not files. */
function linksOf(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => (match[1] ?? "").split("#")[0] ?? "")
    .filter((target) => target !== "" && !/^[a-z]+:/i.test(target));
}

describe("the docs' links", () => {
  it("finds the links it checks (a scan that found none would pass)", () => {
    expect(linksOf("see [x](docs/design.md#a) and [y](https://example.com)")).toEqual(["docs/design.md"]);
    expect(DOCS).toContain("docs/design.md");
  });

  it.each(DOCS)("%s links only files inside the project that exist", (file) => {
    const wrong = linksOf(readFileSync(join(ROOT, file), "utf8")).filter((target) => {
      const path = resolve(dirname(join(ROOT, file)), target);
      return relative(ROOT, path).startsWith("..") || !existsSync(path);
    });
    expect(wrong).toEqual([]);
  });
});
