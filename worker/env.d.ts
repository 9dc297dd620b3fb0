declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "RelayQueue";
  }
  interface Env {
    RELAY_QUEUE: DurableObjectNamespace<import("./relay-queue").RelayQueue>;
    /** Secrets (`wrangler secret put`): see worker/config/tenants.ts and the README. */
    WEBHOOK_SECRET?: string;
    AGENT_TOKEN?: string;
    RELAY_TENANTS?: string;
    /** Tunables (`[vars]`): see worker/config/settings.ts and the README. */
    MAX_BODY_BYTES?: string | number;
    RETENTION_DAYS?: string | number;
    BACKLOG_CAP?: string | number;
    MAX_ATTEMPTS?: string | number;
    VISIBILITY_TIMEOUT_MS?: string | number;
  }
}
interface Env extends Cloudflare.Env {}
