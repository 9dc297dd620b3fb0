import { describe, expect, it } from "vitest";
import type { CatalogEntity } from "../../../relay/catalog/catalog";
import { Blueprint } from "../../../relay/catalog/port-rules/blueprint";
import { RelationGate } from "../../../relay/sync/relation-gate";

const blueprints = [
  Blueprint.parse({ identifier: "repo", title: "Repo", schema: { properties: {} }, relations: {} }),
  Blueprint.parse({
    identifier: "pr",
    title: "PR",
    schema: { properties: {} },
    relations: { repository: { target: "repo" }, reviewers: { target: "user", many: true } },
  }),
];

function entity(blueprint: string, identifier: string, relations: CatalogEntity["relations"] = {}): CatalogEntity {
  return { blueprint, identifier, properties: {}, relations };
}

/** Resolves when kind `kind` may write the entities, holding them meanwhile, as write-buffer.ts does. */
async function ready(gate: RelationGate, kind: number, entities: readonly CatalogEntity[]): Promise<void> {
  gate.holding(kind, true);
  while (gate.blocker(kind, entities) !== undefined) await gate.changed();
  gate.holding(kind, false);
}

/** Whether the promise has settled once everything already queued has run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("RelationGate (kinds at once, writes after their relations' targets)", () => {
  it("holds a batch until an earlier kind handled the repository it points to, not the others", async () => {
    const gate = new RelationGate(2, blueprints);
    const pr = entity("pr", "A/one/1", { repository: "A/one", reviewers: [] });
    const waiting = ready(gate, 1, [pr]);
    expect(await settled(waiting)).toBe(false);
    gate.handled(0, [entity("repo", "A/two")]);
    expect(await settled(waiting)).toBe(false);
    gate.handled(0, [entity("repo", "A/one")]);
    expect(await settled(waiting)).toBe(true);
  });

  it("does not take an entity of another blueprint with the same identifier for the target", async () => {
    const gate = new RelationGate(2, blueprints);
    const waiting = ready(gate, 1, [entity("pr", "p", { repository: "same" })]);
    gate.handled(0, [entity("user", "same")]);
    expect(await settled(waiting)).toBe(false);
    gate.finished(0);
    expect(await settled(waiting)).toBe(true);
  });

  it("lets a target no earlier kind writes through once every earlier kind has finished", async () => {
    const gate = new RelationGate(3, blueprints);
    const waiting = ready(gate, 2, [entity("pr", "p", { reviewers: ["alice"] })]);
    gate.finished(0);
    expect(await settled(waiting)).toBe(false);
    gate.finished(1);
    expect(await settled(waiting)).toBe(true);
  });

  it("holds relations it cannot place (unknown blueprint, a search query) until every earlier kind finished", async () => {
    const gate = new RelationGate(2, blueprints);
    const unknown = ready(gate, 1, [entity("other", "x", { repository: "A/one" })]);
    const query = ready(gate, 1, [entity("pr", "y", { repository: { combinator: "and", rules: [] } })]);
    gate.handled(0, [entity("repo", "A/one")]);
    expect(await settled(unknown)).toBe(false);
    expect(await settled(query)).toBe(false);
    gate.finished(0);
    expect(await settled(unknown)).toBe(true);
    expect(await settled(query)).toBe(true);
  });

  it("tells an earlier kind that a later one waits on it (so it writes what it holds), and stops once it is through", async () => {
    const gate = new RelationGate(3, blueprints);
    expect(gate.awaited(0)).toBe(false);
    const waiting = ready(gate, 2, [entity("pr", "p", { repository: "A/one" })]);
    expect([gate.awaited(0), gate.awaited(1), gate.awaited(2)]).toEqual([true, true, false]);
    gate.handled(1, [entity("repo", "A/one")]);
    expect(await settled(waiting)).toBe(true);
    expect(gate.awaited(0)).toBe(false);
  });

  it("never holds the first kind, nor a batch without relations", async () => {
    const gate = new RelationGate(2, blueprints);
    expect(await settled(ready(gate, 0, [entity("pr", "p", { repository: "A/one" })]))).toBe(true);
    expect(await settled(ready(gate, 1, [entity("repo", "A/one")]))).toBe(true);
  });
});
