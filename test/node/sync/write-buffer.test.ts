import { describe, expect, it } from "vitest";
import type { CatalogEntity } from "../../../relay/catalog/catalog";
import { Blueprint } from "../../../relay/catalog/port-rules/blueprint";
import { RelationGate } from "../../../relay/sync/relation-gate";
import { WriteBuffer } from "../../../relay/sync/write-buffer";

const blueprints = [
  Blueprint.parse({ identifier: "repo", title: "Repo", schema: { properties: {} }, relations: {} }),
  Blueprint.parse({
    identifier: "pr",
    title: "PR",
    schema: { properties: {} },
    relations: { repository: { target: "repo" } },
  }),
];

interface Item {
  entities: CatalogEntity[];
}

/** A pull request item: one entity, pointing at its repository. */
function pr(identifier: string, repository: string): Item {
  return { entities: [{ blueprint: "pr", identifier, properties: {}, relations: { repository } }] };
}

function repo(identifier: string): CatalogEntity {
  return { blueprint: "repo", identifier, properties: {}, relations: {} };
}

/** Whether the promise has settled once everything already queued has run (a write may take a turn of the loop). */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/**
 * A buffer for kind 1 (after the repositories' kind 0), recording each write's identifiers; `duringWrite` runs
 * inside each write, after it is recorded.
 */
function bufferAfterRepositories(limits: { batch: number; held: number }, duringWrite?: (gate: RelationGate) => void) {
  const gate = new RelationGate(2, blueprints);
  const writes: string[][] = [];
  const buffer = new WriteBuffer<Item>(
    { gate, index: 1 },
    async (items) => {
      writes.push(items.flatMap((item) => item.entities.map((entity) => String(entity.identifier))));
      duringWrite?.(gate);
    },
    limits,
  );
  return { gate, buffer, writes };
}

describe("WriteBuffer (a kind's writes, each after what its relations point to)", () => {
  it("writes what is ready and holds the rest without stopping the kind", async () => {
    const { gate, buffer, writes } = bufferAfterRepositories({ batch: 2, held: 10 });
    gate.handled(0, [repo("A")]);

    expect(await settled(buffer.add(pr("1", "B")))).toBe(true);
    expect(await settled(buffer.add(pr("2", "A")))).toBe(true);
    expect(await settled(buffer.add(pr("3", "A")))).toBe(true);

    // The first full batch had "1" (held: B is not written yet) and "2"; "3" waits for the next batch.
    expect(writes).toEqual([["2"]]);
    expect(buffer.heldEntities).toBe(1);
    // A later kind that holds entities makes the earlier kinds write what they have at each page.
    expect(gate.awaited(0)).toBe(true);

    gate.handled(0, [repo("B")]);
    await buffer.flush();
    expect(writes).toEqual([["2"], ["1", "3"]]);
    expect(buffer.heldEntities).toBe(0);
    expect(gate.awaited(0)).toBe(false);
  });

  it("waits on the earlier kind once more than its limit is held, and goes on when it is handled", async () => {
    const { gate, buffer, writes } = bufferAfterRepositories({ batch: 1, held: 2 });
    expect(await settled(buffer.add(pr("1", "A")))).toBe(true);
    expect(await settled(buffer.add(pr("2", "A")))).toBe(true);
    const third = buffer.add(pr("3", "B"));

    expect(await settled(third)).toBe(false);
    gate.handled(0, [repo("B")]);
    // "3" is written; A's two stay held, within the limit, so the kind goes on.
    expect(await settled(third)).toBe(true);
    expect(writes).toEqual([["3"]]);
    expect(buffer.heldEntities).toBe(2);
  });

  it("drains what it holds once every earlier kind finished, whatever their relations point to", async () => {
    const { gate, buffer, writes } = bufferAfterRepositories({ batch: 200, held: 2_000 });
    await buffer.add(pr("1", "never-written"));
    await buffer.add({
      entities: [{ blueprint: "pr", identifier: "2", properties: {}, relations: { repository: { rules: [] } } }],
    });
    const drained = buffer.drain();

    expect(await settled(drained)).toBe(false);
    gate.finished(0);
    expect(await settled(drained)).toBe(true);
    expect(writes).toEqual([["1", "2"]]);
  });

  it("does not wait for a change that came while it was writing (the earlier kind finished meanwhile)", async () => {
    // The repository kind finishes while this kind writes its first batch: the gate's last change.
    const { gate, buffer, writes } = bufferAfterRepositories({ batch: 200, held: 2_000 }, (gate) => gate.finished(0));
    gate.handled(0, [repo("A")]);
    await buffer.add(pr("1", "A"));
    await buffer.add(pr("2", "B"));

    expect(await settled(buffer.drain())).toBe(true);
    expect(writes).toEqual([["1"], ["2"]]);
  });

  it("keeps an item's entities together and writes in batches of its size", async () => {
    const writes: number[] = [];
    const buffer = new WriteBuffer<Item>(
      undefined,
      async (items) => {
        writes.push(items.reduce((sum, item) => sum + item.entities.length, 0));
      },
      { batch: 4, held: 0 },
    );
    const three = { entities: [repo("a"), repo("b"), repo("c")] };
    for (let item = 0; item < 3; item++) await buffer.add(three);
    await buffer.drain();

    // 3 (not yet 4), then 6 ≥ 4: written whole, never split; then the last 3.
    expect(writes).toEqual([6, 3]);
  });
});
