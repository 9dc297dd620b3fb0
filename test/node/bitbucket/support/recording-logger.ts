import { Writable } from "node:stream";
import { Logger } from "../../../../relay/log/logger";

/** A real Logger (JSON lines, debug level) whose output is kept for assertions. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  return { logger: new Logger({ stream, format: "json", level: "debug" }), lines };
}
