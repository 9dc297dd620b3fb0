import { beforeEach } from "vitest";
import { type LogFields, type LogLevel, setLogSink } from "../../../worker/log";

/**
 * The edge's log lines of the running test, instead of the console: a test that cares asserts on them, and the
 * others stay silent. Installed for every worker test (vitest.config.ts, setupFiles).
 */
export const logLines: ({ level: LogLevel; message: string } & LogFields)[] = [];

beforeEach(() => {
  logLines.length = 0;
  setLogSink((_level, line) => logLines.push(line));
});
