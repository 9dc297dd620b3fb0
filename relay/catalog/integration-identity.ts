/**
 * Who writes the catalog, and so which entities a reconcile may delete.
 *
 * Port records the writer's `User-Agent` as the entity's `$datasource` (port-api.md §1, §2.6). Ocean sends
 * `port-ocean/{type}/{version}/{identifier}/{feature}` and finds its own entities by the datasource *prefix*
 * `port-ocean/{type}/` and *suffix* `/{identifier}/{feature}`, so the version in the middle can change (an agent
 * upgrade) without the integration losing its entities. We send the same five-segment form, so Port derives the
 * datasource exactly as for Ocean and its datasource-entities route finds ours; the local catalog stores the same
 * string and matches the same way. An entity someone else last wrote is never ours, never deleted by our reconcile.
 */
export interface IntegrationIdentity {
  /** The integration type: `bitbucket-relay`. */
  integrationType: string;
  /** The agent's version (free to change between runs). */
  version: string;
  /** This installation (one per Bitbucket instance and catalog): two installations never delete each other's entities. */
  installationId: string;
  /**
   * Ocean's feature segment: `exporter` for what the mapping writes, `gitops` for entities declared in repository
   * files (relay/gitops/). Each reconciles only its own: a catalog of one feature never lists the other's entities.
   */
  feature: "exporter" | "gitops";
}

export interface DatasourceMatch {
  prefix: string;
  suffix: string;
}

export const DEFAULT_INTEGRATION_TYPE = "bitbucket-relay";

/** A segment may not contain `/` (it would shift the datasource's segments) nor spaces. */
const SEGMENT = /^[A-Za-z0-9._@+=:-]+$/;

/**
 * @returns the problems with an identity (empty when valid), each saying what to change
 */
export function identityProblems(identity: IntegrationIdentity): string[] {
  const problems: string[] = [];
  for (const [field, value] of [
    ["integrationType", identity.integrationType],
    ["version", identity.version],
    ["installationId", identity.installationId],
  ] as const) {
    if (!SEGMENT.test(value)) {
      problems.push(
        `${field} "${value}" must be non-empty and use only letters, digits and . _ @ + = : - (no "/" or spaces)`,
      );
    }
  }
  return problems;
}

/** @returns the User-Agent sent to Port, which Port stores as `$datasource` */
export function userAgentOf(identity: IntegrationIdentity): string {
  return `port-ocean/${identity.integrationType}/${identity.version}/${identity.installationId}/${identity.feature}`;
}

/** @returns the datasource prefix and suffix that select this installation's entities, whatever the version */
export function datasourceMatchOf(identity: IntegrationIdentity): DatasourceMatch {
  return {
    prefix: `port-ocean/${identity.integrationType}/`,
    suffix: `/${identity.installationId}/${identity.feature}`,
  };
}

/** @returns whether an entity last written with this datasource belongs to the installation */
export function isOwnedDatasource(datasource: string | null, match: DatasourceMatch): boolean {
  return (
    datasource !== null &&
    datasource.length >= match.prefix.length + match.suffix.length &&
    datasource.startsWith(match.prefix) &&
    datasource.endsWith(match.suffix)
  );
}
