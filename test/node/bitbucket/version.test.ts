import { describe, expect, it } from "vitest";
import {
  compareVersions,
  isVersionAtLeast,
  PROJECT_WEBHOOKS_SINCE,
  parseVersion,
} from "../../../relay/bitbucket/version";
import { parseRetryAfter } from "../../../relay/http/retry-after";

describe("versions are compared as numbers, never as floats", () => {
  it.each([
    ["8.10", "8.7", 1],
    ["8.19.0", "8.7", 1],
    ["8.7.0", "8.7", 0],
    ["9.4.0", "10.0", -1],
    ["10.2.1", "10.2", 1],
    ["8.8", "8.8.0", 0],
  ])("compareVersions(%s, %s) has the sign %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it("decides project hooks the way Ocean could not (8.10 is newer than 8.7)", () => {
    expect(isVersionAtLeast("8.10.2", PROJECT_WEBHOOKS_SINCE)).toBe(true);
    expect(isVersionAtLeast("8.7.4", PROJECT_WEBHOOKS_SINCE)).toBe(false);
    expect(parseVersion("9.4.0-rc1")).toEqual([9, 4, 0]);
    expect(parseVersion("unknown")).toBeNull();
    expect(() => compareVersions("unknown", "8.8")).toThrow('not a version: "unknown"');
  });
});

describe("retry timing", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);

    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 12:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
