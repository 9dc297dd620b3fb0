import { ROUTE_SCHEMA_MESSAGE } from "../catalog/port-rules/port-error";

/**
 * Why an entity was not written (or deleted), in words an operator can act on: a cause, the field at fault when the
 * catalog names one, and the fix. The catalog's own message stays with it; this only sorts and explains.
 *
 * The local catalog (and Port's checks it copies) names each problem as `path: message` after Port's 422 text, so
 * a schema mismatch is attributed to its property; Port's own 422 may say less, and then the cause is known but
 * the field is not.
 */

export type FailureCause =
  /** 422: a property or relation the blueprint lacks, or a value the blueprint does not accept. */
  | "schema-mismatch"
  /** 422: a property or relation the blueprint requires is missing. */
  | "missing-required"
  /** 404: the entity's blueprint does not exist in the catalog. */
  | "unknown-blueprint"
  /** 404: a relation's target entity does not exist (and `createMissingRelatedEntities` is off). */
  | "missing-related-entity"
  /** 413: one entity is larger than Port takes. */
  | "too-large"
  /** 429 or 5xx after the retries: the catalog failed, not the entity. */
  | "catalog-error"
  /** Another 4xx the catalog gave for the entity. */
  | "refused"
  /** A delete refused because other entities hold a required relation to it. */
  | "has-dependents"
  /** The mapping's selector or `itemsToParse` failed on an item: its outcome is unknown. */
  | "mapping-error"
  /** Bitbucket's listing failed or ended early: the kind did not complete. */
  | "listing-failed"
  /**
   * Bitbucket listed items without the fields the relay reads: they were dropped, the rest written, and the listing
   * is incomplete (nothing of the kind is deleted).
   */
  | "items-dropped"
  /** The catalog as a whole failed (unreachable, credentials): the kind did not complete. */
  | "catalog-unavailable";

export interface ClassifiedFailure {
  cause: FailureCause;
  /** `properties.x` or `relations.y` when the catalog names the field. */
  field?: string;
  /** The problem for that field alone (the catalog's message when it names no field). */
  message: string;
  fix: string;
}

/** What a catalog said of one entity it did not write or delete. */
export interface CatalogFailure {
  blueprint: string;
  status: number;
  code: string;
  message: string;
}

/**
 * @returns one classified problem per field the catalog named (an entity refused for two fields gives two), or one
 *   problem for the whole entity
 */
export function classifyCatalogFailure(failure: CatalogFailure): ClassifiedFailure[] {
  const { blueprint, status, code, message } = failure;
  if (code === "has_dependents")
    return [
      {
        cause: "has-dependents",
        message,
        fix: "set deleteDependentEntities: true in the mapping, or delete the dependent entities first",
      },
    ];
  if (status === 429 || status >= 500)
    return [
      { cause: "catalog-error", message, fix: "the catalog failed after the retries; the next resync retries it" },
    ];
  if (status === 413)
    return [{ cause: "too-large", message, fix: "map fewer or shorter properties for this blueprint" }];
  if (status === 404) return [notFound(blueprint, message)];
  if (status === 422 && message.startsWith(ROUTE_SCHEMA_MESSAGE)) {
    const details = message.slice(ROUTE_SCHEMA_MESSAGE.length).replace(/^:\s*/, "");
    const problems = details.length === 0 ? [] : details.split("; ");
    if (problems.length > 0) return problems.map((problem) => fieldProblem(blueprint, problem));
  }
  if (status === 422)
    return [
      {
        cause: "schema-mismatch",
        message,
        fix: `compare the mapping with blueprint "${blueprint}"; bbrelay doctor names each field that does not fit`,
      },
    ];
  return [{ cause: "refused", message, fix: "see the catalog's message; the entity is retried on the next resync" }];
}

/** One `path: problem` of a 422, with the fix for that field. */
function fieldProblem(blueprint: string, problem: string): ClassifiedFailure {
  const match = /^((?:properties|relations)\.[^:]+|identifier|title|team|icon): (.*)$/s.exec(problem);
  if (match === null)
    return {
      cause: "schema-mismatch",
      message: problem,
      fix: `compare the mapping with blueprint "${blueprint}"; bbrelay doctor names each field that does not fit`,
    };
  const field = match[1] ?? "";
  const text = match[2] ?? "";
  const [section, ...rest] = field.split(".");
  const name = rest.join(".");
  const noun = section === "relations" ? "relation" : "property";
  if (/^is not a (property|relation) of blueprint/.test(text))
    return {
      cause: "schema-mismatch",
      field,
      message: text,
      fix: `add ${noun} "${name}" to blueprint "${blueprint}", or remove it from the mapping`,
    };
  if (/^is required by blueprint/.test(text))
    return {
      cause: "missing-required",
      field,
      message: text,
      fix: `map ${field} to a value that is never null, or make it optional in blueprint "${blueprint}"`,
    };
  return {
    cause: "schema-mismatch",
    field,
    message: text,
    fix:
      name.length === 0
        ? `change the mapping's ${field} to a value Port accepts`
        : `change the mapping's ${field} to a value blueprint "${blueprint}" accepts, or change the ${noun} in the blueprint`,
  };
}

function notFound(blueprint: string, message: string): ClassifiedFailure {
  if (/^Blueprint ".*" was not found/.test(message))
    return {
      cause: "unknown-blueprint",
      message,
      fix: `create blueprint "${blueprint}" (BBRELAY_BLUEPRINTS, or in Port), or change the mapping's blueprint`,
    };
  const relation = /^(relations\.[^:]+): (.*)$/s.exec(message);
  if (relation !== null && /target blueprint ".*" was not found/.test(relation[2] ?? ""))
    return {
      cause: "unknown-blueprint",
      field: relation[1] ?? "",
      message: relation[2] ?? message,
      fix: `create the relation's target blueprint, or fix the relation in blueprint "${blueprint}"`,
    };
  return {
    cause: "missing-related-entity",
    ...(relation === null ? {} : { field: relation[1] ?? "" }),
    message: relation?.[2] ?? message,
    fix: "list the target's kind before this one in resources[], or set createMissingRelatedEntities: true",
  };
}
