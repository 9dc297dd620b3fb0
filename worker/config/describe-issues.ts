import type { z } from "zod";

/**
 * Turns zod issues about a configuration value into lines that name the field and say what is expected, without
 * ever quoting the value: the values here are webhook secrets and agent tokens. zod's own messages are not used
 * as they are, because some of them can echo input (unrecognised keys list the keys they found).
 *
 * @param source the variable's name, e.g. `RELAY_TENANTS`
 * @param issues the issues of a failed parse
 * @param safeKey whether a record key (a tenant name) may be printed; other keys print as `<key>`
 * @returns one line per issue, e.g. `RELAY_TENANTS.tenants.acme.agentTokens[0]: must be at least 16 characters`
 */
export function describeIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
  safeKey: (key: string) => boolean,
): string[] {
  return issues.map((issue) => `${source}${renderPath(issue.path, safeKey)}: ${explain(issue)}`);
}

function renderPath(path: readonly PropertyKey[], safeKey: (key: string) => boolean): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string") out += `.${safeKey(segment) ? segment : "<key>"}`;
    else out += ".<key>";
  }
  return out;
}

function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(issue.expected)}`;
    case "too_small":
      return issue.origin === "string"
        ? `must be at least ${String(issue.minimum)} characters`
        : issue.origin === "array"
          ? `must list at least ${String(issue.minimum)} item(s)`
          : `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "string"
        ? `must be at most ${String(issue.maximum)} characters`
        : issue.origin === "array"
          ? `must list at most ${String(issue.maximum)} item(s)`
          : `must be at most ${String(issue.maximum)}`;
    case "unrecognized_keys":
      return `has ${issue.keys.length} unknown field(s); only the documented fields are allowed`;
    case "invalid_key":
      return "is not a valid name (lower-case letters, digits, `-` and `_`, at most 63 characters)";
    case "invalid_format":
      return `must match the expected format (${issue.format})`;
    default:
      // The remaining codes (custom refinements, invalid values of enums) carry messages written by us or zod
      // messages that list the allowed values, never the given one.
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
