/**
 * The project selectors of the project, repository and pull-request kinds (ocean-bitbucket-server.md §1.3):
 * `projects` (exact, case-sensitive keys) and `projectFilterRegex`; when both are set a project must pass both.
 *
 * `projectFilterRegex` is anchored at the start only, like Ocean's Python `re.match`: `PLAT` also selects
 * `PLATFORM`, and `PLAT$` selects `PLAT` alone. We keep Ocean's reading on purpose: a mapping moved from Ocean
 * selects the same projects here, so a migration cannot delete entities by reading the regex differently.
 * The syntax is JavaScript's; the two Python forms people paste most are translated: a leading `(?i)`
 * (case-insensitive) and named groups `(?P<name>…)` / `(?P=name)`.
 */

export type ProjectFilter = (projectKey: string) => boolean;

export type ProjectFilterOutcome = { kind: "ok"; matches: ProjectFilter } | { kind: "error"; message: string };

/**
 * @param selector the kind's selector
 * @returns the filter, or why the regex does not compile
 */
export function compileProjectFilter(selector: {
  projects?: readonly string[];
  projectFilterRegex?: string;
}): ProjectFilterOutcome {
  const keys = selector.projects === undefined ? null : new Set(selector.projects);
  let regex: RegExp | null = null;
  if (selector.projectFilterRegex !== undefined) {
    const compiled = compileStartAnchored(selector.projectFilterRegex);
    if (compiled.kind === "error") return compiled;
    regex = compiled.regex;
  }
  return {
    kind: "ok",
    matches: (projectKey) => (keys === null || keys.has(projectKey)) && (regex === null || regex.test(projectKey)),
  };
}

function compileStartAnchored(pattern: string): { kind: "ok"; regex: RegExp } | { kind: "error"; message: string } {
  let body = pattern;
  let flags = "";
  if (body.startsWith("(?i)")) {
    body = body.slice(4);
    flags = "i";
  }
  body = body.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  try {
    // Compiled alone first, so that a syntax error quotes the user's pattern rather than our anchored wrapper.
    new RegExp(body, flags);
    return { kind: "ok", regex: new RegExp(`^(?:${body})`, flags) };
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : String(error);
    return { kind: "error", message: `is not a valid regular expression (JavaScript syntax): ${reason}` };
  }
}
