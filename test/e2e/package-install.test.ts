import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm pack`, then `npm install -g` of the tarball into a fresh prefix, as on a server without the repository:
 * `bbrelay` runs from it with its runtime dependencies only (no TypeScript, no dev dependencies).
 *
 * better-sqlite3's installer downloads a prebuilt binary from GitHub, else compiles one (minutes). This machine
 * reaches neither GitHub nor nodejs.org, so the test hands it the binary this checkout already built, through
 * better-sqlite3's own offline setting (npm_config_better_sqlite3_local_prebuilds), as an operator of a closed
 * network would with a binary of their own; everything else is npm's ordinary install. The unit the package ships
 * (deploy/bbrelay.service) is then checked by `systemd-analyze verify` against that install.
 */

const run = promisify(execFile);
const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), "bbrelay-pack-"));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function localPrebuilds(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(root, "node_modules/better-sqlite3/package.json"), "utf8")) as {
    version: string;
  };
  const dir = join(work, "prebuilds");
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run("tar", [
    "-czf",
    join(dir, name),
    "-C",
    join(root, "node_modules/better-sqlite3"),
    "build/Release/better_sqlite3.node",
  ]);
  return dir;
}

describe("the packed package", () => {
  it("installs with npm install -g into a clean prefix and runs bbrelay --version and bbrelay doctor", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const packed = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: root });
    const [tarball] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (tarball === undefined) throw new Error("npm pack gave no tarball");
    const prefix = join(work, "prefix");
    await run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", join(work, tarball.filename)], {
      cwd: work,
      env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: await localPrebuilds() },
      timeout: 600_000,
    });
    const bin = join(prefix, "bin", "bbrelay");
    const home = join(work, "home");
    mkdirSync(home);
    // Nothing of this checkout's environment: only what a shell on a fresh server has.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };

    const shown = await run(bin, ["--version"], { cwd: work, env });
    const doctor = await run(bin, ["doctor", "--json"], { cwd: work, env }).then(
      (done) => ({ code: 0, stdout: done.stdout }),
      (failed: { code: number; stdout: string }) => ({ code: failed.code, stdout: failed.stdout }),
    );

    expect(tarball.files.map((file) => file.path).sort()).toEqual(
      [
        "README.md",
        "bin/bbrelay.js",
        "deploy/bbrelay.service",
        "dist/bbrelay.mjs",
        "dist/bbrelay.mjs.map",
        "dist/local-writer.mjs",
        "dist/local-writer.mjs.map",
        "package.json",
      ].sort(),
    );
    expect(shown.stdout.trim()).toBe(version);
    // The checks ran: the built-in mapping compiled (jq-wasm loaded), the local catalog opened (better-sqlite3's
    // native module loaded); Bitbucket is not configured on this fresh machine, so doctor fails (exit 1).
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/"name":\s*"config.mapping",\s*"status":\s*"ok"/);
    expect(doctor.stdout).toMatch(/"name":\s*"catalog.reachable",\s*"status":\s*"ok"/);
    expect(doctor.stdout).toContain("BITBUCKET_URL is not set");
    const installed = join(prefix, "lib", "node_modules", "bitbucket-relay");
    const dependencies = readdirSync(join(installed, "node_modules"));
    for (const dev of ["typescript", "vitest", "wrangler", "esbuild", "miniflare", "playwright-core", "@biomejs"])
      expect(dependencies).not.toContain(dev);
    expect(existsSync(join(installed, "relay"))).toBe(false);

    // The shipped unit, pointed at this install's bbrelay (verify checks that ExecStart exists and runs).
    const unit = join(work, "bbrelay.service");
    writeFileSync(
      unit,
      readFileSync(join(installed, "deploy", "bbrelay.service"), "utf8").replace("/usr/local/bin/bbrelay", bin),
    );
    const verified = await run("systemd-analyze", ["verify", unit]);
    expect(verified.stderr).toBe("");
  }, 900_000);
});
