/** What is misconfigured: the part of the configuration the problems belong to. */
export type ConfigErrorKind = "environment" | "mapping" | "blueprints" | "webhook-target" | "bitbucket-connection";

/**
 * Configuration problems, all of them at once, each with its dot-path: thrown by the loaders of the environment,
 * the mapping and the blueprints. Nothing here knows of the CLI, which maps it to exit 2 (relay/cli/errors.ts).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly kind: ConfigErrorKind,
    readonly problems: readonly string[],
    /** What holds the problems, named as the user set it: `the environment`, `BBRELAY_BLUEPRINTS (/etc/bp.json)`. */
    readonly source = "configuration",
  ) {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}
