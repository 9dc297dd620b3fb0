import { isAbsolute, join } from "node:path";

/**
 * Where the agent keeps files when no variable says otherwise, per the XDG base-directory spec: data (the local
 * catalog) under `$XDG_DATA_HOME` or `~/.local/share`, state (leases, content hashes, last resync) under
 * `$XDG_STATE_HOME` or `~/.local/state`. The spec says a relative `XDG_*` value is invalid and must be ignored.
 */

export interface DataPathInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (`os.homedir()`), injected so tests need no real home. */
  homeDir: string;
}

/** @returns `$XDG_DATA_HOME/bbrelay/catalog.sqlite`, else `~/.local/share/bbrelay/catalog.sqlite` */
export function defaultCatalogPath(inputs: DataPathInputs): string {
  return join(xdgBase(inputs, "XDG_DATA_HOME", [".local", "share"]), "bbrelay", "catalog.sqlite");
}

/** @returns `$XDG_STATE_HOME/bbrelay`, else `~/.local/state/bbrelay` */
export function defaultStateDir(inputs: DataPathInputs): string {
  return join(xdgBase(inputs, "XDG_STATE_HOME", [".local", "state"]), "bbrelay");
}

function xdgBase(inputs: DataPathInputs, variable: string, fallback: string[]): string {
  const value = inputs.env[variable];
  if (value !== undefined && value !== "" && isAbsolute(value)) return value;
  return join(inputs.homeDir, ...fallback);
}
