/**
 * Why a call to Port's integration routes failed:
 * - `forbidden`: Port's 403. Since 2026-03-08 the integration routes need an admin or moderator credential
 *   (port-api.md §4), which a member's machine credentials are not;
 * - `installation_taken`: the installation id already names an integration of another type;
 * - `unexpected_response`: any other status, or an answer that is not what Port sends.
 */
export type PortIntegrationErrorKind = "forbidden" | "installation_taken" | "unexpected_response";

export class PortIntegrationError extends Error {
  override readonly name = "PortIntegrationError";
  constructor(
    readonly kind: PortIntegrationErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const FORBIDDEN_FIX =
  "use the credentials of an organization admin or moderator (Port → Settings → Credentials, as for an Ocean integration), or set BBRELAY_PORT_INTEGRATION=false to write entities without registering the integration";
