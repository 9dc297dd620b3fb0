import { formatDotPath } from "../../shared/mapping-config/dot-path";
import type { JqLeaf } from "../../shared/mapping-config/leaves";
import type { Json } from "./engine";
import type { JsonObject } from "./mapping-result";

/**
 * The shape of an entity mapping with its jq leaves numbered: once every leaf has a value, `fill` rebuilds the
 * entity (search queries included: a query's leaves are evaluated one by one and put back in place, which is
 * what Port receives and resolves). Built from the leaves' paths, so it cannot drift from the evaluation order.
 */
type TemplateNode =
  | { kind: "leaf"; index: number }
  | { kind: "object"; entries: Map<string, TemplateNode> }
  | { kind: "array"; items: TemplateNode[] };

export class EntityTemplate {
  readonly #root: Map<string, TemplateNode> = new Map();
  /** Per leaf: its dot-path when a null there is worth reporting (not identifier/blueprint), else null. */
  readonly #nullPaths: (string | null)[];

  /** @param leaves the field leaves, in the order their values will be given to {@link fill} */
  constructor(leaves: readonly JqLeaf[]) {
    leaves.forEach((leaf, index) => {
      insert(this.#root, leaf.fieldPath, index);
    });
    this.#nullPaths = leaves.map((leaf) =>
      leaf.fieldPath[0] === "identifier" || leaf.fieldPath[0] === "blueprint" ? null : formatDotPath(leaf.fieldPath),
    );
  }

  /**
   * @param values one value per leaf, in leaf order (a failed or empty leaf is null)
   * @returns the top-level fields (`identifier`, `title`, …, `properties`, `relations`) and the dot-paths of
   *   the leaves that are null, outside identifier and blueprint (those decide whether the entity exists)
   */
  fill(values: readonly Json[]): { fields: JsonObject; nullFields: string[] } {
    const nullFields: string[] = [];
    const fields: JsonObject = {};
    for (const [key, node] of this.#root) fields[key] = build(node, values);
    values.forEach((value, index) => {
      const path = this.#nullPaths[index];
      if (value === null && path !== null && path !== undefined) nullFields.push(path);
    });
    return { fields, nullFields };
  }
}

function insert(root: Map<string, TemplateNode>, path: readonly PropertyKey[], index: number): void {
  const [head, ...rest] = path;
  if (typeof head !== "string")
    throw new Error(`a mapping leaf path must start with a field name: ${formatDotPath(path)}`);
  root.set(head, insertInto(root.get(head), rest, index));
}

function insertInto(node: TemplateNode | undefined, path: readonly PropertyKey[], index: number): TemplateNode {
  const [head, ...rest] = path;
  if (head === undefined) return { kind: "leaf", index };
  if (typeof head === "number") {
    const array = node?.kind === "array" ? node : { kind: "array" as const, items: [] };
    array.items[head] = insertInto(array.items[head], rest, index);
    return array;
  }
  const object = node?.kind === "object" ? node : { kind: "object" as const, entries: new Map<string, TemplateNode>() };
  object.entries.set(String(head), insertInto(object.entries.get(String(head)), rest, index));
  return object;
}

function build(node: TemplateNode, values: readonly Json[]): Json {
  switch (node.kind) {
    case "leaf":
      return values[node.index] ?? null;
    case "array":
      return node.items.map((item) => build(item, values));
    case "object": {
      const out: JsonObject = {};
      for (const [key, child] of node.entries) out[key] = build(child, values);
      return out;
    }
  }
}
