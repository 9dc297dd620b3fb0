import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Logger } from "../../../relay/log/logger";
import { type Builtin, fromFn } from "../../../relay/mapping/compiled/compiled-types";
import { explainJq } from "../../../relay/mapping/compiled/explain";
import { type Divergence, HybridJqEngine } from "../../../relay/mapping/compiled/hybrid-engine";
import type { JqOutcome, JqProgram, Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { seedPayload } from "../mapping/seed-files";

const engines: HybridJqEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

function engine(options: ConstructorParameters<typeof HybridJqEngine>[0] = {}): HybridJqEngine {
  const e = new HybridJqEngine(options);
  engines.push(e);
  return e;
}

async function program(e: HybridJqEngine, source: string): Promise<JqProgram> {
  const outcome = await e.compile(source);
  if (outcome.kind !== "ok") throw new Error(`did not compile: ${outcome.message}`);
  return outcome.program;
}

/** A deliberately broken compiled builtin: ascii_downcase that upper-cases. */
const brokenDowncase: Builtin = () => fromFn((x) => (typeof x === "string" ? x.toUpperCase() : x));

function recordingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = new Logger({ stream, format: "json", level: "debug" });
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("HybridJqEngine", () => {
  it("serves the seed's pull-request leaves compiled and exotic ones with jq-wasm, and reports jq's compile errors", async () => {
    const e = engine();
    expect((await program(e, '.createdDate | (tonumber / 1000 | strftime("%Y-%m-%dT%H:%M:%SZ"))')).engine).toBe(
      "compiled",
    );
    expect((await program(e, "[.reviewers[].user.emailAddress]")).engine).toBe("compiled");
    expect((await program(e, "$ENV | type")).engine).toBe("jq-wasm");
    expect((await program(e, "[.[] | @csv]")).engine).toBe("jq-wasm");
    expect(await e.compile(".a | foo(1)")).toEqual({
      kind: "error",
      message: expect.stringContaining("foo/1 is not defined"),
    });
    expect(e.stats).toMatchObject({ compiledPrograms: 2, referencePrograms: 2 });
  });

  it("returns jq-wasm's outcome during the shadow runs, then the compiled one synchronously", async () => {
    const e = engine({ shadowRuns: 2, shadowEvery: 0 });
    const p = await program(e, ".id | tostring");
    const pr = seedPayload("pull-request");
    const first = p.first(pr);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ kind: "value", value: "1" });
    expect(await p.first({ id: 2 })).toEqual({ kind: "value", value: "2" });
    const third = p.first({ id: 3 });
    expect(third).not.toBeInstanceOf(Promise);
    expect(third).toEqual({ kind: "value", value: "3" });
    e.newShadowRound();
    expect(p.first({ id: 4 })).toBeInstanceOf(Promise);
    expect(e.stats.shadowRuns).toBe(3);
  });

  it("keeps shadowing one run in N after the first ones, and catches a builtin broken only for some inputs", async () => {
    const divergences: Divergence[] = [];
    // Broken only for strings longer than 20 characters: the first runs agree, a later one does not.
    const brokenForLong: Builtin = () =>
      fromFn((x) =>
        typeof x === "string" && x.length > 20 ? x.toUpperCase() : typeof x === "string" ? x.toLowerCase() : x,
      );
    const e = engine({
      shadowRuns: 2,
      shadowEvery: 3,
      builtinOverrides: { "ascii_downcase/0": brokenForLong },
      onDivergence: (d) => divergences.push(d),
    });
    const p = await program(e, "ascii_downcase");
    const titles = ["A", "B", "C", "D", "a title longer than twenty", "E", "F", "G"];
    const outcomes: JqOutcome[] = [];
    for (const title of titles) outcomes.push(await p.first(title));
    // Runs 1-2 shadowed (agree), 3-4 compiled, 5 shadowed: the long title diverges and is answered by jq-wasm.
    expect(outcomes.map((o) => (o.kind === "value" ? o.value : o.kind))).toEqual([
      "a",
      "b",
      "c",
      "d",
      "a title longer than twenty",
      "e",
      "f",
      "g",
    ]);
    expect(divergences.map((d) => d.expression)).toEqual(["ascii_downcase"]);
    expect(p.engine).toBe("jq-wasm");
  });

  it("starts a new shadow round by itself once the interval has passed (a long-running agent's next resync)", async () => {
    let now = 0;
    const e = engine({ shadowRuns: 1, shadowEvery: 0, shadowRoundIntervalMs: 60_000, clock: () => now });
    const p = await program(e, ".a");
    expect(p.first({ a: 1 })).toBeInstanceOf(Promise);
    expect(p.first({ a: 2 })).toEqual({ kind: "value", value: 2 });
    now = 59_999;
    expect(p.first({ a: 3 })).toEqual({ kind: "value", value: 3 });
    now = 60_000;
    expect(await p.first({ a: 4 })).toEqual({ kind: "value", value: 4 });
    expect(p.first({ a: 5 })).toEqual({ kind: "value", value: 5 });
    expect(e.stats.shadowRuns).toBe(2);
  });

  it("catches a deliberately broken compiled builtin, warns naming the expression and sends it to jq-wasm for good", async () => {
    const divergences: Divergence[] = [];
    const { logger, lines } = recordingLogger();
    const e = engine({
      shadowRuns: 5,
      builtinOverrides: { "ascii_downcase/0": brokenDowncase },
      onDivergence: (d) => divergences.push(d),
      logger,
    });
    const p = await program(e, ".title | ascii_downcase");
    expect(p.engine).toBe("compiled");

    const outcome = await p.first({ title: "Fix The Build" });

    // The caller never saw the broken value: during shadow runs the reference's outcome is what is returned.
    expect(outcome).toEqual({ kind: "value", value: "fix the build" });
    expect(p.engine).toBe("jq-wasm");
    expect(divergences).toEqual([
      {
        expression: ".title | ascii_downcase",
        compiled: { kind: "value", value: "FIX THE BUILD" },
        reference: { kind: "value", value: "fix the build" },
      },
    ]);
    expect(lines()).toEqual([expect.objectContaining({ level: "warn", expression: ".title | ascii_downcase" })]);
    // For good: later runs (past the shadow window too) are jq-wasm's.
    for (let i = 0; i < 8; i++)
      expect(await p.first({ title: `Run ${i}` })).toEqual({ kind: "value", value: `run ${i}` });
    expect(e.stats.divergences).toBe(1);
  });

  it("sends to jq-wasm the inputs it cannot treat exactly: a lone surrogate, a number jq prints by provenance", async () => {
    const e = engine({ shadowRuns: 0, shadowEvery: 0 });
    const reference = e.reference;
    const p = await program(e, ".x | tostring");
    const lone: Json = { x: "a\ud800b" };
    const referenceProgram = await reference.compile(".x | tostring");
    if (referenceProgram.kind !== "ok") throw new Error(referenceProgram.message);
    const expected = await referenceProgram.program.first(lone);
    const got = await p.first(lone);
    expect(got).toEqual(expected);
    expect(got).toMatchObject({ kind: "error", message: expect.stringContaining("surrogate") });
    expect(await p.first({ x: 1e21 })).toEqual({ kind: "value", value: "1E+21" });
    expect(p.first({ x: 12 })).toEqual({ kind: "value", value: "12" });
    expect(e.stats.deferredRuns).toBe(2);
  });

  it("gives jq-wasm the same instant in shadow runs of a program that uses now", async () => {
    const divergences: Divergence[] = [];
    const e = engine({ shadowRuns: 3, now: () => 1747730324.792, onDivergence: (d) => divergences.push(d) });
    const p = await program(e, "now | todate");
    const outcome: JqOutcome = await p.first(null);
    expect(outcome).toEqual({ kind: "value", value: "2025-05-20T08:38:44Z" });
    expect(divergences).toEqual([]);
    expect(p.engine).toBe("compiled");
  });

  it("agrees with the jq-wasm engine on the seed's payloads for every seed leaf (including the ones that error)", async () => {
    const e = engine({ shadowRuns: 0 });
    const wasm = new JqWasmEngine();
    try {
      const leaves = [
        ".key",
        ".links.self[0].href",
        ".id | tostring",
        '.updatedDate | (tonumber / 1000 | strftime("%Y-%m-%dT%H:%M:%SZ"))',
        ".toRef.repository.slug",
        "[.participants[].user.emailAddress]",
      ];
      for (const kind of ["project", "repository", "pull-request", "user"] as const) {
        for (const leaf of leaves) {
          const hybrid = await program(e, leaf);
          const ref = await wasm.compile(leaf);
          if (ref.kind !== "ok") throw new Error(ref.message);
          expect(await hybrid.first(seedPayload(kind))).toEqual(await ref.program.first(seedPayload(kind)));
        }
      }
    } finally {
      await wasm.close();
    }
  });
});

describe("explainJq", () => {
  it("names the engine and the reason", () => {
    expect(explainJq(".a.b")).toEqual({ engine: "compiled", reason: "every construct is in the compiled subset" });
    expect(explainJq("env.HOME")).toEqual({
      engine: "jq-wasm",
      reason: "env (the mapper binds it to the variables BBRELAY_JQ_ENV names)",
    });
    expect(explainJq(".a |= 1")).toEqual({ engine: "jq-wasm", reason: "assignment operator |=" });
    expect(explainJq("now").reason).toContain("uses now");
    expect(explainJq('.title | test("^(fix|feat)(?=:)")')).toEqual({
      engine: "jq-wasm",
      reason: expect.stringContaining("outside the verified subset"),
    });
    expect(explainJq('.title | test("^(fix|feat): "; "i")').engine).toBe("compiled");
    expect(explainJq('.title | test("a b"; "x")')).toEqual({ engine: "jq-wasm", reason: 'regex flags "x"' });
    expect(explainJq('strftime("%Y %Z")')).toEqual({ engine: "jq-wasm", reason: "strftime format %Y %Z" });
  });
});
