import { Writable } from "node:stream";
import { Logger } from "../../relay/log/logger";

/** A logger that drops everything: for fixtures whose logs no test reads. */
export function silentLogger(): Logger {
  return new Logger({
    stream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    format: "json",
    level: "error",
  });
}
