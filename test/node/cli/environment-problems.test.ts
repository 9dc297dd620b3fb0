import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bbrelay } from "../../support/cli-runner";

// Every problem of the environment at once, each naming its variable: a user must not learn of RELAY_AGENT_TOKEN
// only after fixing RELAY_URL, and of BITBUCKET_URL only after that.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function emptyEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-env-problems-"));
  dirs.push(dir);
  return { HOME: dir, CATALOG_PATH: join(dir, "catalog.sqlite"), BBRELAY_STATE_DIR: join(dir, "state") };
}

describe("a command's missing environment", () => {
  it("bbrelay run names RELAY_URL, RELAY_AGENT_TOKEN and BITBUCKET_URL in one report, exit 2", async () => {
    const result = await bbrelay(["run"], { env: emptyEnv() });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the environment has 3 problems/);
    for (const variable of ["RELAY_URL", "RELAY_AGENT_TOKEN", "BITBUCKET_URL"]) {
      expect(result.stderr).toMatch(new RegExp(`^\\s+- ${variable}: is not set`, "m"));
    }
  });

  it("bbrelay run names a mapping or blueprints file a variable points to that does not exist, with the rest", async () => {
    const env = emptyEnv();
    const result = await bbrelay(["run"], {
      env: { ...env, BBRELAY_CONFIG: "missing-mapping.yaml", BBRELAY_BLUEPRINTS: join(env.HOME ?? "", "none.json") },
      cwd: env.HOME ?? "/",
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the environment has 5 problems/);
    expect(result.stderr).toContain(`- BBRELAY_CONFIG: no file at ${join(env.HOME ?? "", "missing-mapping.yaml")}`);
    expect(result.stderr).toContain(`- BBRELAY_BLUEPRINTS: no file at ${join(env.HOME ?? "", "none.json")}`);
    expect(result.stderr).toMatch(/- BITBUCKET_URL: is not set/);
  });

  it("bbrelay run names the missing token beside a Bitbucket problem", async () => {
    const result = await bbrelay(["run"], {
      env: { ...emptyEnv(), RELAY_URL: "https://edge.example.com", BITBUCKET_URL: "https://bitbucket.example.com" },
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/RELAY_AGENT_TOKEN: is not set, but RELAY_URL is/);
    expect(result.stderr).toMatch(/BITBUCKET_URL: is set without credentials/);
  });

  it.each([["sync"], ["list"], ["remove"]])(
    "bbrelay webhooks %s names RELAY_WEBHOOK_SECRET with the edge and Bitbucket, in one report",
    async (sub) => {
      const result = await bbrelay(["webhooks", sub], { env: emptyEnv() });

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the environment has 4 problems/);
      for (const variable of ["RELAY_URL", "RELAY_AGENT_TOKEN", "BITBUCKET_URL", "RELAY_WEBHOOK_SECRET"]) {
        expect(result.stderr).toMatch(new RegExp(`^\\s+- ${variable}: is not set`, "m"));
      }
    },
  );

  it("bbrelay resync names BITBUCKET_URL, and nothing of the edge it does not need", async () => {
    const result = await bbrelay(["resync"], { env: emptyEnv() });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/BITBUCKET_URL: is not set/);
    expect(result.stderr).not.toMatch(/RELAY_/);
  });
});

describe("a dead Bitbucket", () => {
  it("fails a resync with the refused connection, without retrying each kind against it", async () => {
    // A port that was just free and is closed again: connections to it are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const env = { ...emptyEnv(), BITBUCKET_URL: `http://127.0.0.1:${port}`, BITBUCKET_TOKEN: "dead-host-token" };

    const result = await bbrelay(["resync"], { env });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ECONNREFUSED");
    expect(result.stderr).toMatch(/not sent: Bitbucket could not be reached moments ago/);
    expect(result.stderr).not.toMatch(/retrying/);
    // The last line alone says what stopped the run.
    expect(result.stderr.trimEnd().split("\n").at(-1)).toMatch(
      /^Resync failed in .*: .* did not complete \(listing-failed: Bitbucket GET \/rest\/api\/1\.0\/.* ECONNREFUSED .*could not reach Bitbucket; check BITBUCKET_URL.*\); nothing was deleted\.$/,
    );
  });
});
