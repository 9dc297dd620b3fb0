/**
 * Expected failures at the CLI shell, mapped to exit codes in one place (main.ts). Anything else that reaches
 * the top is a bug: it is reported with its stack and exits 1.
 */

import { CatalogUnavailableError } from "../catalog/catalog-unavailable-error";
import { ConfigError } from "../config/config-error";
import { ListenError } from "../console/listen-error";
import { ItemSourceError } from "../mapping/item-source";
import { PortIntegrationError } from "../port-integration/integration-errors";
import { ScopeModeError } from "../webhooks/scope-mode-error";

export { ConfigError };

/** Exit 2: a usage or configuration error; the message says what to fix. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = 2;
}

/** Exit 1: the command ran and failed for a reason the user can act on (already explained in the message). */
export class CommandFailed extends Error {
  override readonly name = "CommandFailed";
  readonly exitCode = 1;
}

/**
 * @returns the exit code of an expected failure (its message is the whole report), or null for a bug: 2 for a usage
 * or configuration error, 1 for a command that failed
 */
export function exitCodeOf(error: unknown): number | null {
  if (error instanceof UsageError || error instanceof CommandFailed) return error.exitCode;
  if (error instanceof ConfigError) return 2;
  // `bbrelay map --input` names a file that cannot be read or is not JSON: the user's input, a usage error.
  if (error instanceof ItemSourceError) return 2;
  if (error instanceof ListenError) return 1;
  if (error instanceof ScopeModeError) return 1;
  // A credential Port refuses for integrations is configuration (exit 2); Port unreachable or failing is exit 1.
  if (error instanceof PortIntegrationError) return error.kind === "forbidden" ? 2 : 1;
  if (error instanceof CatalogUnavailableError) return 1;
  return null;
}
