import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentIdentity } from "../../../relay/state/agent-identity";
import { LeasingAgent } from "../../../shared/protocol/schema";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-identity-"));
  dirs.push(dir);
  return join(dir, "state");
}

describe("the agent's identity for the edge", () => {
  it("keeps one id in the state directory across runs, with a new incarnation each run", () => {
    const dir = stateDir();

    const first = agentIdentity(dir);
    const second = agentIdentity(dir);

    expect(second.id).toBe(first.id);
    expect(second.incarnation).not.toBe(first.incarnation);
    expect(readFileSync(join(dir, "agent-id"), "utf8").trim()).toBe(first.id);
    expect(LeasingAgent.parse(first)).toEqual(first);
  });

  it("replaces an id the edge would refuse", () => {
    const dir = stateDir();
    agentIdentity(dir);
    writeFileSync(join(dir, "agent-id"), "not an id!\n");

    const identity = agentIdentity(dir, () => "fresh-id");

    expect(identity).toEqual({ id: "fresh-id", incarnation: "fresh-id" });
    expect(readFileSync(join(dir, "agent-id"), "utf8")).toBe("fresh-id\n");
  });
});
