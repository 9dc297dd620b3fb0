import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The direction of dependencies, checked rather than remembered: shared/ is the bottom (both runtimes), worker/ and
// relay/ build on it and never on each other, relay/cli/ is the top of the agent, and the compiled jq engine is a
// black box behind its index.

const ROOT = resolve(import.meta.dirname, "../../..");

interface ImportEdge {
  from: string;
  to: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

// `from "…"`, `import "…"` and `import("…")`: every form a module can name another in.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** The project-relative targets of a file's relative imports (bare package names are not layers). */
function importsOf(file: string, text: string): ImportEdge[] {
  return [...text.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? "")
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => ({ from: file, to: relative(ROOT, resolve(ROOT, dirname(file), specifier)) }));
}

function edgesOf(folders: string[]): ImportEdge[] {
  return folders.flatMap((folder) =>
    sourceFiles(folder).flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), "utf8"))),
  );
}

const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const show = (edges: ImportEdge[]) => edges.map((edge) => `${edge.from} → ${edge.to}`);

describe("the layers import in one direction", () => {
  const edges = edgesOf(["shared", "worker", "relay", "scripts"]);

  it("reads the imports it checks (a scan that found nothing would pass every rule)", () => {
    expect(edges.some((edge) => edge.from.startsWith("relay/cli/") && inside(edge.to, "relay/sync"))).toBe(true);
    expect(
      importsOf("relay/a/b.ts", 'import type { X } from "../../shared/x";\nconst y = await import("./y");'),
    ).toEqual([
      { from: "relay/a/b.ts", to: "shared/x" },
      { from: "relay/a/b.ts", to: "relay/a/y" },
    ]);
  });

  it("shared/ imports nothing of worker/ or relay/", () => {
    const wrong = edges.filter(
      (edge) => inside(edge.from, "shared") && (inside(edge.to, "worker") || inside(edge.to, "relay")),
    );
    expect(show(wrong)).toEqual([]);
  });

  it("worker/ imports nothing of relay/, and relay/ nothing of worker/", () => {
    const wrong = edges.filter(
      (edge) =>
        (inside(edge.from, "worker") && inside(edge.to, "relay")) ||
        (inside(edge.from, "relay") && inside(edge.to, "worker")),
    );
    expect(show(wrong)).toEqual([]);
  });

  it("relay/cli/ is imported by nothing else in relay/", () => {
    const wrong = edges.filter(
      (edge) => inside(edge.from, "relay") && !inside(edge.from, "relay/cli") && inside(edge.to, "relay/cli"),
    );
    expect(show(wrong)).toEqual([]);
  });

  it("the compiled jq engine is reached only through its public entry", () => {
    const engine = "relay/mapping/compiled";
    const wrong = edges.filter((edge) => !inside(edge.from, engine) && inside(edge.to, engine) && edge.to !== engine);
    expect(show(wrong)).toEqual([]);
  });
});
