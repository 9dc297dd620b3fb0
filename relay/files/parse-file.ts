import { parseAllDocuments } from "yaml";
import { type Json, jsonOf, parseJson as parseJsonText } from "../../shared/json";

/**
 * A repository file's content as the mapping sees it: JSON files (`.json`) parsed as JSON, YAML files (`.yaml`,
 * `.yml`) as YAML, every document of a multi-document file (`---`) on its own; anything else, and any file when
 * `skipParsing` is set, as its text. A file that does not parse is an outcome, naming the line where it can.
 */
export type ParsedFile = { kind: "ok"; documents: Json[] } | { kind: "invalid"; reason: string };

export function parseFile(path: string, text: string, skipParsing: boolean): ParsedFile {
  if (skipParsing) return { kind: "ok", documents: [text] };
  const lower = path.toLowerCase();
  if (lower.endsWith(".json")) return parseJson(text);
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return parseYaml(text);
  return { kind: "ok", documents: [text] };
}

function parseJson(text: string): ParsedFile {
  try {
    return { kind: "ok", documents: [parseJsonText(text)] };
  } catch (error) {
    return { kind: "invalid", reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** @returns every non-empty document; a file of comments only gives none */
export function parseYaml(text: string): ParsedFile {
  const documents: Json[] = [];
  for (const document of parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })) {
    const [error] = document.errors;
    if (error !== undefined) {
      const at = error.linePos?.[0];
      const message = error.message.split("\n")[0] ?? error.message;
      const where = at === undefined ? "" : ` at line ${at.line}, column ${at.col}`;
      return {
        kind: "invalid",
        reason: `not valid YAML${where}: ${message.replace(/ at line \d+, column \d+:?$/, "")}`,
      };
    }
    if (document.contents === null) continue;
    documents.push(jsonOf(document.toJS({ maxAliasCount: 1000 })));
  }
  return { kind: "ok", documents };
}
