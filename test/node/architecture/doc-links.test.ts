import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The docs link only files a clone of the project has: a link out of the tree (../shared/…), to a file that was
// moved, or to one that exists here but is not committed (built, generated, ignored) is a dead end for every reader.

const ROOT = resolve(import.meta.dirname, "../../..");
const DOCS = ["README.md", "CONTRIBUTING.md", ...readdirSync(join(ROOT, "docs")).map((name) => `docs/${name}`)].filter(
  (file) => file.endsWith(".md"),
);

/** What a clone has: the committed files, and the folders that hold them. */
const TRACKED = new Set(
  execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter((path) => path !== "")
    .flatMap((path) => path.split("/").map((_part, index, parts) => parts.slice(0, index + 1).join("/"))),
);

function inClone(path: string): boolean {
  const inside = relative(ROOT, path);
  return !inside.startsWith("..") && TRACKED.has(inside.replace(/\/+$/, ""));
}

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
    expect(inClone(join(ROOT, "docs/design.md"))).toBe(true);
    expect(inClone(join(ROOT, "test/fakes"))).toBe(true);
    // Present in this checkout, absent from a clone: built by npm install, and the dependencies.
    expect(inClone(join(ROOT, "dist/bbrelay.mjs"))).toBe(false);
    expect(inClone(join(ROOT, "node_modules/zod/package.json"))).toBe(false);
    expect(inClone(join(ROOT, "../shared/DESIGN.md"))).toBe(false);
  });

  it.each(DOCS)("%s links only files inside the project that exist", (file) => {
    const wrong = linksOf(readFileSync(join(ROOT, file), "utf8")).filter(
      (target) => !inClone(resolve(dirname(join(ROOT, file)), target)),
    );
    expect(wrong).toEqual([]);
  });
});
