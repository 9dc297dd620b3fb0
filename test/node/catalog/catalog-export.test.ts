import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { COMMANDS } from "../../../relay/cli/commands/index";
import { runCli } from "../../../relay/cli/main";
import { identity, manualClock, project, repository, SEED_BLUEPRINTS, user } from "./fixtures/catalog-fixtures";

const execFileAsync = promisify(execFile);

const ExportedEntity = z.strictObject({
  blueprint: z.string(),
  identifier: z.string(),
  title: z.string().nullable(),
  icon: z.string().nullable(),
  team: z.array(z.string()),
  properties: z.record(z.string(), z.unknown()),
  relations: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  datasource: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const Exported = z.array(ExportedEntity);

interface Captured {
  stream: Writable;
  chunks: string[];
  text(): string;
}

/** A stdout that records each write; `delayMs` makes it a slow reader with a tiny buffer (backpressure). */
function capture(delayMs = 0): Captured {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: delayMs > 0 ? 64 : 16_384,
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      if (delayMs > 0) setTimeout(callback, delayMs);
      else callback();
    },
  });
  return { stream, chunks, text: () => chunks.join("") };
}

let dir: string;
let path: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bbrelay-export-"));
  path = join(dir, "catalog.sqlite");
  const catalog = LocalCatalog.open({
    path,
    identity: identity(),
    blueprints: SEED_BLUEPRINTS,
    clock: manualClock().now,
  });
  await catalog.upsert([project("P"), repository("P", "api"), user("ann@example.com")], {
    merge: true,
    createMissingRelatedEntities: false,
  });
  await catalog.close();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function exportCatalog(args: string[], env: Record<string, string> = {}, stdout = capture()) {
  const stderr = capture();
  const code = await runCli(COMMANDS, {
    argv: ["catalog", "export", ...args],
    env: { HOME: dir, ...env },
    cwd: dir,
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    signal: new AbortController().signal,
    version: "test",
  });
  return { code, stdout, stderr: stderr.text() };
}

describe("bbrelay catalog export", () => {
  it("prints every entity as a JSON array in key order, with its timestamps and datasource", async () => {
    const run = await exportCatalog(["--catalog", path]);

    expect(run.code).toBe(0);
    expect(Exported.parse(JSON.parse(run.stdout.text()))).toEqual([
      expect.objectContaining({
        blueprint: "bitbucketProject",
        identifier: "P",
        title: "Project P",
        properties: expect.objectContaining({ type: "NORMAL" }),
      }),
      expect.objectContaining({ blueprint: "bitbucketRepository", identifier: "P/api", relations: { project: "P" } }),
      expect.objectContaining({
        blueprint: "bitbucketUser",
        identifier: "ann@example.com",
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
        datasource: "port-ocean/bitbucket-relay/0.1.0/default/exporter",
      }),
    ]);
  });

  it("keeps only the blueprints asked for, and warns about one the catalog does not know", async () => {
    const run = await exportCatalog([
      "--catalog",
      path,
      "--blueprint",
      "bitbucketUser",
      "--blueprint",
      "bitbucketProjekt",
    ]);

    expect(run.code).toBe(0);
    expect(Exported.parse(JSON.parse(run.stdout.text())).map((entity) => entity.identifier)).toEqual([
      "ann@example.com",
    ]);
    expect(run.stderr).toContain("No such blueprint in the local catalog");
    expect(run.stderr).toContain("bitbucketProjekt");
  });

  it("prints an empty array for a blueprint with no entities", async () => {
    const run = await exportCatalog(["--catalog", path, "--blueprint", "bitbucketPullRequest"]);

    expect(run.stdout.text()).toBe("[]\n");
  });

  it("reads CATALOG_PATH, and otherwise the default under XDG_DATA_HOME", async () => {
    const fromEnv = await exportCatalog([], { CATALOG_PATH: path });
    const xdg = join(dir, "xdg");
    const catalog = LocalCatalog.open({
      path: join(xdg, "bbrelay", "catalog.sqlite"),
      identity: identity(),
      blueprints: SEED_BLUEPRINTS,
    });
    await catalog.upsert([project("XDG")], { merge: true, createMissingRelatedEntities: false });
    await catalog.close();
    const fromDefault = await exportCatalog([], { XDG_DATA_HOME: xdg });

    expect(JSON.parse(fromEnv.stdout.text())).toHaveLength(3);
    expect(Exported.parse(JSON.parse(fromDefault.stdout.text())).map((entity) => entity.identifier)).toEqual(["XDG"]);
  });

  it("fails with exit 1 and says what to do when there is no catalog file", async () => {
    const missing = join(dir, "nowhere", "catalog.sqlite");

    const run = await exportCatalog(["--catalog", missing]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`there is no local catalog at ${missing}: run \`bbrelay resync\` first`);
    expect(run.stdout.text()).toBe("");
  });

  it("streams page by page and waits for a slow reader", async () => {
    const catalog = LocalCatalog.open({ path, identity: identity(), blueprints: SEED_BLUEPRINTS });
    await catalog.upsert(
      Array.from({ length: 1600 }, (_, index) => user(`u${String(index).padStart(4, "0")}@example.com`)),
      { merge: true, createMissingRelatedEntities: false },
    );
    await catalog.close();
    const slow = capture(1);

    const run = await exportCatalog(["--catalog", path, "--blueprint", "bitbucketUser"], {}, slow);

    const entities = Exported.parse(JSON.parse(slow.text()));
    expect(run.code).toBe(0);
    expect(entities).toHaveLength(1601);
    // "[", four pages of at most 500 entities, then "]": never the catalog in one string.
    expect(slow.chunks).toHaveLength(6);
    expect(Math.max(...slow.chunks.map((chunk) => chunk.length))).toBeLessThan(slow.text().length / 3);
  });

  it("works from the built agent (bin/bbrelay.js), native SQLite included", async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [resolve("bin/bbrelay.js"), "catalog", "export", "--blueprint", "bitbucketRepository"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir, CATALOG_PATH: path },
      },
    );

    expect(Exported.parse(JSON.parse(stdout)).map((entity) => entity.identifier)).toEqual(["P/api"]);
  });

  it("explains itself with --help", async () => {
    const run = await exportCatalog(["--help"]);

    expect(run.code).toBe(0);
    expect(run.stdout.text()).toContain("Usage: bbrelay catalog export [--blueprint B] [--catalog PATH]");
    expect(run.stdout.text()).toContain("CATALOG_PATH");
  });
});
