import type { EdgeClient } from "../edge/edge-client";
import { messageOf } from "../log/message-of";
import type { WebhookInstaller } from "../webhooks/index";
import { type CheckResult, fail, ok, warn } from "./check-result";

/** The edge reachable with the agent's token, what it has seen lately, and the webhooks in Bitbucket. */
export async function checkEdge(edge: EdgeClient, now: number): Promise<CheckResult[]> {
  let stats: Awaited<ReturnType<EdgeClient["stats"]>>;
  try {
    stats = await edge.stats();
  } catch (error) {
    return [
      fail(
        "edge.reachable",
        messageOf(error),
        "check RELAY_URL, RELAY_TENANT and RELAY_AGENT_TOKEN (one of the tenant's agent tokens)",
      ),
    ];
  }
  const results = [
    ok(
      "edge.reachable",
      `tenant ${stats.tenant}: ${stats.backlog} waiting, ${stats.inFlight} in flight, ${stats.deadLetters} dead letters`,
    ),
  ];
  results.push(
    stats.lastPingAt === null
      ? warn(
          "edge.ping",
          'Bitbucket\'s "Test connection" never reached the edge',
          'in Bitbucket, open one of bbrelay\'s webhooks (project or repository settings → Webhooks; `bbrelay webhooks list` says where they are) and press "Test connection" to prove Bitbucket reaches the edge',
        )
      : ok("edge.ping", `last ping from Bitbucket ${ago(now, stats.lastPingAt)}`),
  );
  results.push(
    stats.lastWebhookAt === null
      ? warn(
          "edge.webhooks-received",
          "no webhook has reached the edge yet",
          "run `bbrelay webhooks sync`, then change something in Bitbucket; check that Bitbucket can reach RELAY_URL",
        )
      : ok("edge.webhooks-received", `last webhook ${ago(now, stats.lastWebhookAt)}`),
  );
  if (stats.deadLetters > 0) {
    results.push(
      warn(
        "edge.dead-letters",
        `${stats.deadLetters} messages are in the dead letters`,
        "inspect them (GET /agent/v1/<tenant>/dead-letters), fix the cause, then redrive them (POST …/dead-letters/redrive)",
      ),
    );
  }
  if (stats.counters.badSignatures > 0) {
    results.push(
      warn(
        "edge.signatures",
        `${stats.counters.badSignatures} deliveries had a bad or missing signature`,
        "make RELAY_WEBHOOK_SECRET the tenant's current secret and run `bbrelay webhooks sync` (hooks carrying an old secret are rewritten)",
      ),
    );
  }
  return results;
}

/** Our webhooks: present where wanted, not drifted, healthy according to Bitbucket's statistics. */
export async function checkWebhooks(installer: WebhookInstaller): Promise<CheckResult[]> {
  let listing: Awaited<ReturnType<WebhookInstaller["list"]>>;
  try {
    listing = await installer.list();
  } catch (error) {
    return [
      fail(
        "webhooks.present",
        messageOf(error),
        "check the Bitbucket credentials (PROJECT_ADMIN on 8.8+, REPO_ADMIN on older servers)",
      ),
    ];
  }
  const s = listing.summary;
  const results: CheckResult[] = [];
  results.push(
    s.missing > 0 || s.failed > 0
      ? fail(
          "webhooks.present",
          `${s.present} of ${s.wanted} wanted hooks present (${s.missing} missing, ${s.failed} scopes unreadable)`,
          "run `bbrelay webhooks sync` with an account that administers those projects or repositories",
        )
      : ok("webhooks.present", `${s.present} of ${s.wanted} wanted hooks present (${listing.mode.scope} hooks)`),
  );
  if (s.drifted > 0 || s.stray > 0) {
    results.push(
      fail(
        "webhooks.drift",
        `${s.drifted} hooks drifted, ${s.stray} stray`,
        "run `bbrelay webhooks sync` to repair them",
      ),
    );
  }
  results.push(
    s.failing > 0
      ? fail(
          "webhooks.health",
          `${s.failing} hooks failing according to Bitbucket (after 5 failures Bitbucket skips a hook for up to 10 hours)`,
          "check that Bitbucket reaches RELAY_URL (TLS trusted by Bitbucket's JVM, proxy, firewall); `bbrelay webhooks list` shows the last error",
        )
      : ok("webhooks.health", `${s.healthy} healthy, ${s.neverDelivered} never delivered yet`),
  );
  return results;
}

function ago(now: number, at: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}
