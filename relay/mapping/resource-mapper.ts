import { formatDotPath } from "../../shared/mapping-config/dot-path";
import { type EnrichmentNeeds, enrichmentNeeds, type JqLeaf, resourceLeaves } from "../../shared/mapping-config/leaves";
import { toPortJq } from "../../shared/mapping-config/port-jq";
import type { ConfigProblem } from "../../shared/mapping-config/problems";
import { compileProjectFilter, type ProjectFilter } from "../../shared/mapping-config/project-filter";
import type { Kind, ResourceConfig } from "../../shared/mapping-config/schema";
import type { CatalogEntity } from "../catalog/catalog";
import type { JqEngine, JqProgram, Json } from "./engine";
import { checkBlueprint, checkIdentifier, checkQuery, describeJson, invalidTarget } from "./entity-checks";
import { EntityTemplate } from "./entity-template";
import { evaluateFused, type FusedCall, type FusedOutcome, fuseCall, runAll } from "./fused-program";
import { expandItem } from "./items-to-parse";
import { bindJqEnv, type JqEnv } from "./jq-env";
import { emptyCounts, type ItemResult, isJsonObject, type JsonObject } from "./mapping-result";

/**
 * Maps listed items of one resource (one entry of `resources[]`) with Port's semantics (port-api.md §6.3–6.5):
 * 1. `itemsToParse` expands an item into elements (`{...item, item: element}`);
 * 2. the selector runs first: `true` maps the element, `false` skips it, anything else (an error, no output,
 *    a non-boolean) is an error for the kind, never a silently dropped item;
 * 3. every leaf of the mapping runs on the element; only its first output counts; no output gives null; a jq
 *    error gives null and a counted warning naming the field's path;
 * 4. a null or empty identifier or blueprint (or one Port would refuse) drops the entity with a warning;
 *    explicit nulls stay in properties and relations, as Port receives them.
 *
 * Engine-agnostic: it uses only {@link JqEngine}. When two or more leaves are served by an engine that pays per
 * call (jq-wasm), those leaves of an item run in one fused jq call (see fused-program.ts) with the same semantics;
 * the other leaves (compiled ones) still run on their own, at their own speed.
 */

export interface ResourceMapperOptions {
  /**
   * Fuse the leaves served by these engines into one call per item (when there are two or more). Default
   * `["jq-wasm"]`; `[]` always evaluates leaf by leaf.
   */
  fuseEngines?: readonly string[];
  /** What `env` and `$ENV` hold for the mapping (see jq-env.ts); default `{}`. */
  jqEnv?: JqEnv;
}

export type CompileResourceOutcome =
  | { kind: "ok"; mapper: ResourceMapper }
  | { kind: "invalid"; problems: ConfigProblem[] };

interface CompiledField {
  leaf: JqLeaf;
  program: JqProgram;
  /** `resources[i].port.entity.mappings.properties.x`, for warnings. */
  path: string;
}

interface Programs {
  selector: JqProgram;
  itemsToParse: JqProgram | null;
  fields: CompiledField[];
  fused: FusedCall | null;
}

export class ResourceMapper {
  readonly #programs: Programs;
  /** `fields`' programs in order, built once rather than per item. */
  readonly #fieldPrograms: JqProgram[];
  readonly #template: EntityTemplate;
  readonly #identifierIsQuery: boolean;
  readonly #selectorPath: string;
  readonly #itemsToParsePath: string;

  /** Which listing-time fetches the resource needs (README, latest commit). */
  readonly enrichment: EnrichmentNeeds;
  /** The `projects` / `projectFilterRegex` selectors as a predicate (null for users). */
  readonly projectFilter: ProjectFilter | null;

  private constructor(
    readonly resource: ResourceConfig,
    /** The resource's position in `resources[]`. */
    readonly index: number,
    programs: Programs,
  ) {
    this.#programs = programs;
    this.#fieldPrograms = programs.fields.map((field) => field.program);
    this.#template = new EntityTemplate(programs.fields.map((field) => field.leaf));
    this.#identifierIsQuery = typeof resource.port.entity.mappings.identifier !== "string";
    this.#selectorPath = formatDotPath(["resources", index, "selector", "query"]);
    this.#itemsToParsePath = formatDotPath(["resources", index, "port", "itemsToParse"]);
    this.enrichment = enrichmentNeeds(resource);
    const filter = resource.kind === "user" ? null : compileProjectFilter(resource.selector);
    this.projectFilter = filter?.kind === "ok" ? filter.matches : null;
  }

  get kind(): Kind {
    return this.resource.kind;
  }

  /** `fused` (one jq call per item for the leaves that pay per call) or `per-leaf`. */
  get strategy(): "fused" | "per-leaf" {
    return this.#programs.fused === null ? "per-leaf" : "fused";
  }

  /** Each field's dot-path inside the entity and the engine that serves it (for `bbrelay map`). */
  get fields(): { path: string; source: string; engine: string }[] {
    return this.#programs.fields.map((field) => ({
      path: formatDotPath(field.leaf.fieldPath),
      source: field.leaf.source,
      engine: field.program.engine,
    }));
  }

  /**
   * Compiles every jq expression of the resource (selector, itemsToParse, each leaf) after Port's quote rewrite.
   * @returns the mapper, or every expression that does not compile, with its path in the file
   */
  static async compile(
    resource: ResourceConfig,
    index: number,
    engine: JqEngine,
    options: ResourceMapperOptions = {},
  ): Promise<CompileResourceOutcome> {
    const jqEnv = options.jqEnv ?? {};
    const leafProgram = (source: string): string => bindJqEnv(toPortJq(source), jqEnv);
    const leaves = resourceLeaves(resource);
    const problems: ConfigProblem[] = [];
    let selector: JqProgram | undefined;
    let itemsToParse: JqProgram | null = null;
    const fields: CompiledField[] = [];
    for (const leaf of leaves) {
      const outcome = await engine.compile(leafProgram(leaf.source));
      if (outcome.kind === "error") {
        problems.push({ path: ["resources", index, ...leaf.path], message: compileMessage(leaf, outcome.message) });
        continue;
      }
      if (leaf.role === "selector") selector = outcome.program;
      else if (leaf.role === "itemsToParse") itemsToParse = outcome.program;
      else fields.push({ leaf, program: outcome.program, path: formatDotPath(["resources", index, ...leaf.path]) });
    }
    if (problems.length > 0) return { kind: "invalid", problems };
    if (selector === undefined) throw new Error("a resource always has a selector leaf");

    const fused = await fuseCall(
      engine,
      leafProgram,
      resource.selector.query,
      selector,
      fields,
      options.fuseEngines ?? ["jq-wasm"],
    );
    return { kind: "ok", mapper: new ResourceMapper(resource, index, { selector, itemsToParse, fields, fused }) };
  }

  /**
   * Maps one listed item.
   * @param item the raw item (a Bitbucket object, enriched when {@link enrichment} asks for it)
   * @param options `includeRejected`: also map the elements the selector rejects, into `rejected` (Ocean's
   *   `parse_all` for live events: an item that no longer passes its selector must be deleted, so its identifier
   *   is needed)
   * @returns the entities, warnings and errors; never throws for a jq failure
   */
  async mapItem(item: Json, options: { includeRejected?: boolean } = {}): Promise<ItemResult> {
    const result: ItemResult = {
      entities: [],
      rejected: [],
      warnings: [],
      errors: [],
      nullFields: [],
      counts: emptyCounts(),
    };
    result.counts.items = 1;
    let elements: { value: Json; element?: number }[] = [{ value: item }];
    if (this.#programs.itemsToParse !== null) {
      const expanded = await expandItem(item, this.#programs.itemsToParse, this.resource.port, this.#itemsToParsePath);
      if (expanded.kind === "error") {
        result.errors.push(expanded.error);
        result.counts.errors++;
        return result;
      }
      if (expanded.warning !== undefined) result.warnings.push(expanded.warning);
      elements = expanded.elements.map((value, element) => ({ value, element }));
    }
    for (const { value, element } of elements) {
      result.counts.considered++;
      await this.#mapElement(value, element, result, options.includeRejected === true);
    }
    return result;
  }

  async #mapElement(
    value: Json,
    element: number | undefined,
    result: ItemResult,
    includeRejected: boolean,
  ): Promise<void> {
    const where = element === undefined ? {} : { element };
    const { selector, fields } = await this.#evaluate(value);
    if (selector.kind !== "value" || typeof selector.value !== "boolean") {
      result.counts.errors++;
      result.errors.push(
        selector.kind === "error"
          ? { code: "selector-error", path: this.#selectorPath, message: `jq error: ${selector.message}`, ...where }
          : {
              code: "selector-not-boolean",
              path: this.#selectorPath,
              message: `must give true or false, gave ${selector.kind === "empty" ? "no output" : describeJson(selector.value)}`,
              ...where,
            },
      );
      return;
    }
    if (!selector.value || fields === null) {
      result.counts.rejected++;
      if (includeRejected) {
        const outcomes = await runAll(this.#fieldPrograms, value);
        const entity = this.#entityOf(
          this.#template.fill(outcomes.map((outcome) => (outcome.kind === "value" ? outcome.value : null))).fields,
        );
        if (entity.kind === "entity") result.rejected.push(entity.entity);
      }
      return;
    }
    result.counts.selected++;

    const values: Json[] = [];
    fields.forEach((outcome, position) => {
      if (outcome.kind === "value") {
        values.push(outcome.value);
        return;
      }
      values.push(null);
      if (outcome.kind === "error") {
        const field = this.#programs.fields[position];
        result.counts.fieldErrors++;
        result.warnings.push({
          code: "field-error",
          path: field?.path ?? "",
          message: `jq error, so the field is null: ${outcome.message} (expression: ${field?.leaf.source ?? "?"})`,
          ...where,
        });
      }
    });
    const { fields: mapped, nullFields } = this.#template.fill(values);
    const entity = this.#entityOf(mapped);
    if (entity.kind === "dropped") {
      result.counts.dropped++;
      result.warnings.push({
        code: "entity-dropped",
        path: formatDotPath(["resources", this.index, "port", "entity", "mappings", entity.field]),
        message: entity.reason,
        ...where,
      });
      return;
    }
    for (const [name, target] of Object.entries(entity.entity.relations)) {
      const invalid = invalidTarget(target);
      if (invalid === null) continue;
      result.warnings.push({
        code: "relation-target-invalid",
        path: formatDotPath(["resources", this.index, "port", "entity", "mappings", "relations", name]),
        message: `${JSON.stringify(invalid)} is not an identifier Port accepts for a relation target: Port will refuse this entity`,
        ...where,
      });
    }
    result.counts.entities++;
    result.entities.push(entity.entity);
    result.nullFields.push(...nullFields);
  }

  /** The selector's outcome, and the fields' outcomes when it gave `true`. */
  async #evaluate(value: Json): Promise<FusedOutcome> {
    const { fused, selector } = this.#programs;
    if (fused !== null) {
      const outcome = await evaluateFused(fused, this.#programs.selector, this.#programs.fields.length, value);
      if (outcome !== null) return outcome;
    }
    const selected = await selector.first(value);
    if (selected.kind !== "value" || selected.value !== true) return { selector: selected, fields: null };
    return { selector: selected, fields: await runAll(this.#fieldPrograms, value) };
  }

  #entityOf(
    fields: JsonObject,
  ): { kind: "entity"; entity: CatalogEntity } | { kind: "dropped"; field: string; reason: string } {
    const identifier = this.#identifierIsQuery
      ? checkQuery(fields.identifier ?? null)
      : checkIdentifier(fields.identifier ?? null);
    if (identifier.kind === "invalid") return { kind: "dropped", field: "identifier", reason: identifier.reason };
    const blueprint = checkBlueprint(fields.blueprint ?? null);
    if (blueprint.kind === "invalid") return { kind: "dropped", field: "blueprint", reason: blueprint.reason };
    // Built in Port's field order, so that printed entities read the same way every time.
    const entity: CatalogEntity = {
      blueprint: blueprint.value,
      identifier: identifier.value,
      ...("title" in fields ? { title: fields.title ?? null } : {}),
      ...("team" in fields ? { team: fields.team ?? null } : {}),
      ...("icon" in fields ? { icon: fields.icon ?? null } : {}),
      properties: isJsonObject(fields.properties) ? fields.properties : {},
      relations: isJsonObject(fields.relations) ? fields.relations : {},
    };
    return { kind: "entity", entity };
  }
}

function compileMessage(leaf: JqLeaf, message: string): string {
  const bareWord = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(leaf.source)?.[1];
  const hint =
    bareWord !== undefined && leaf.fieldPath[0] === "blueprint"
      ? ` (every leaf is jq: for the text "${bareWord}" write '"${bareWord}"')`
      : "";
  return `jq does not compile: ${message}${hint}`;
}
