import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { resyncProgress } from "../../../relay/cli/progress";
import type { KindProgress } from "../../../relay/sync/resync";
import { silentLogger } from "../../support/silent-logger";

function terminal(): { stream: Writable; screen: () => string[] } {
  let written = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  // What a terminal shows: "\r" and "clear line" rewrite the last line, "\n" keeps it.
  const clearLine = "\r\x1b[2K";
  const screen = () => {
    const lines = [""];
    for (const rewrite of written.split(clearLine)) {
      // Each rewrite starts on a cleared last line; its "\n"s keep lines.
      const [first = "", ...rest] = rewrite.split("\n");
      lines[lines.length - 1] = first;
      lines.push(...rest);
    }
    return lines;
  };
  return { stream, screen };
}

function progress(
  kind: KindProgress["kind"],
  resource: number,
  listed: number,
  phase: KindProgress["phase"] = "listing",
): KindProgress {
  return { kind, resource, phase, listed, selected: listed, written: listed, unchanged: 0, failed: 0, elapsedMs: 1000 };
}

describe("bbrelay resync's progress on a terminal, kinds running at once", () => {
  it("keeps one line with every running kind, and a line of its own for each kind that finished", () => {
    const { stream, screen } = terminal();
    const show = resyncProgress({ stream, isTTY: true, log: silentLogger() });

    show(progress("pull-request", 3, 400));
    show(progress("repository", 2, 25));
    show(progress("pull-request", 3, 800));
    expect(screen()).toEqual(["repository 25 listed, 25 done (25/s) · pull-request 800 listed, 800 done (800/s)"]);

    show(progress("repository", 2, 50, "done"));
    const [finished, still] = screen();
    expect(finished).toMatch(/^repository\s+done\s+50 listed, 50 selected, 50 written, 0 unchanged/);
    expect(still).toMatch(/^pull-request listing 800 listed/);

    show(progress("pull-request", 3, 900, "done"));
    expect(screen()).toHaveLength(3);
    expect(screen().at(-1)).toBe("");
  });

  it("cuts the running line to the terminal's width, so that it is rewritten in place instead of wrapping", () => {
    const { stream, screen } = terminal();
    const show = resyncProgress({ stream, isTTY: true, log: silentLogger(), columns: 40 });
    show(progress("repository", 2, 25));
    show(progress("pull-request", 3, 800));
    expect(screen()[0]).toHaveLength(39);
    expect(screen()[0]?.endsWith("…")).toBe(true);
  });
});
