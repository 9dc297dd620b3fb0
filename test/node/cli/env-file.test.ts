import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";
import { ResyncSummaryJson } from "../../support/resync-summary-json";

// --env-file FILE and BBRELAY_ENV_FILE: plain KEY=value lines complete the environment; a variable set in the real
// environment wins; a bad file is named by the flag or the variable that pointed at it.

let fake: FakeBitbucketServer;
let dir: string;
let settings: Record<string, string>;

beforeEach(async () => {
  fake = await FakeBitbucketServer.start();
  fake.generate({ seed: 4, projects: 1, repositories: 2, pullRequests: 2, users: 2 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-env-file-"));
  settings = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function envFile(lines: string[]): string {
  const path = join(dir, "bbrelay.env");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const asLines = (env: Record<string, string>) => Object.entries(env).map(([name, value]) => `${name}=${value}`);

describe("settings from a file", () => {
  it("reads every setting from --env-file, comments and blank lines skipped, and from BBRELAY_ENV_FILE", async () => {
    const file = envFile(["# the fake's settings", "", ...asLines(settings)]);

    const byFlag = await bbrelay(["resync", "--kind", "project", "--env-file", file], { env: {} });
    const byVariable = await bbrelay(["resync", "--kind", "project"], { env: { BBRELAY_ENV_FILE: file } });

    expect(byFlag.code).toBe(0);
    expect(ResyncSummaryJson.parse(JSON.parse(byFlag.stdout)).kinds[0]?.created).toBe(1);
    expect(byVariable.code).toBe(0);
    expect(ResyncSummaryJson.parse(JSON.parse(byVariable.stdout)).kinds[0]?.unchanged).toBe(1);
    expect(`${byFlag.stderr}${byVariable.stderr}`).not.toContain(FAKE_ADMIN.password);
  });

  it("lets a variable of the real environment win over the file", async () => {
    const file = envFile(asLines({ ...settings, BITBUCKET_PASSWORD: "not-the-password" }));

    const run = await bbrelay(["resync", "--kind", "project", "--env-file", file], {
      env: { BITBUCKET_PASSWORD: FAKE_ADMIN.password },
    });

    expect(run.code).toBe(0);
  });

  it("names the flag, the file and every bad line; names BBRELAY_ENV_FILE when it points nowhere (exit 2)", async () => {
    const file = envFile([...asLines(settings), "export THING", "1BAD=x"]);

    const bad = await bbrelay(["resync", "--env-file", file], { env: {} });
    const missing = await bbrelay(["resync"], { env: { BBRELAY_ENV_FILE: join(dir, "nowhere.env") } });

    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--env-file (${file}) has 2 problems`);
    expect(bad.stderr).toMatch(/line \d+: must be KEY=value .*"export THING"/);
    expect(bad.stderr).toMatch(/line \d+: must be KEY=value .*"1BAD=x"/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`BBRELAY_ENV_FILE (${join(dir, "nowhere.env")}) has 1 problem`);
    expect(missing.stderr).toContain("cannot be read (ENOENT)");
  });
});
