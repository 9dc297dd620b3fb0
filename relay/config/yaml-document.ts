import { isNode, LineCounter, parseDocument } from "yaml";

/**
 * Reads the mapping file's YAML: every syntax error at once with its line and column, and a way to find the
 * line of any dot-path later, so that a schema or jq problem also says where to look.
 */

export type YamlOutcome =
  | { kind: "ok"; value: unknown; lineOf: (path: readonly PropertyKey[]) => number | null }
  | { kind: "invalid"; problems: string[] };

/**
 * @param text the file's content
 * @returns the document's value, or its syntax errors (`line 3, column 5: ...`)
 */
export function readYamlDocument(text: string): YamlOutcome {
  const lineCounter = new LineCounter();
  // YAML 1.2 (the default): `on`/`yes` stay strings; duplicate keys are errors, not a silent last-one-wins.
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    return {
      kind: "invalid",
      problems: document.errors.map((error) => {
        const at = error.linePos?.[0];
        const message = error.message.split("\n")[0] ?? error.message;
        return at === undefined
          ? message
          : `line ${at.line}, column ${at.col}: ${message.replace(/ at line \d+, column \d+:?$/, "")}`;
      }),
    };
  }
  const value: unknown = document.toJS({ maxAliasCount: 1000 });
  const lineOf = (path: readonly PropertyKey[]): number | null => {
    // The nearest node that exists: a missing key is reported at its parent.
    for (let length = path.length; length >= 0; length--) {
      const node: unknown = document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  return { kind: "ok", value, lineOf };
}
