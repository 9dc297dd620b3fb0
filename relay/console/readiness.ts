import type { AgentMonitor } from "./agent-monitor";

export interface ReadinessCheck {
  name: "mapping" | "edge" | "bitbucket";
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/**
 * `/readyz`: the mapping is loaded (the agent would not run without one), the edge answered within the last lease
 * window (a lease, or the stats poll), and Bitbucket answered its last request (any HTTP status: it is reachable;
 * no request yet counts as ready, for an agent that has had nothing to do).
 */
export function readinessOf(
  monitor: AgentMonitor,
  options: { mappingOrigin: string; leaseWindowMs: number; now: number },
): Readiness {
  const checks: ReadinessCheck[] = [{ name: "mapping", ok: true, detail: `loaded from ${options.mappingOrigin}` }];
  const answered = monitor.edgeAnsweredAt;
  const windowSeconds = Math.round(options.leaseWindowMs / 1_000);
  if (answered === null) {
    const waiting = options.now - monitor.startedAt;
    checks.push({
      name: "edge",
      ok: false,
      detail: `the edge has not answered yet (${Math.round(waiting / 1_000)} s since start)`,
    });
  } else {
    const age = options.now - answered;
    checks.push({
      name: "edge",
      ok: age <= options.leaseWindowMs,
      detail:
        age <= options.leaseWindowMs
          ? `answered ${Math.round(age / 1_000)} s ago`
          : `no answer for ${Math.round(age / 1_000)} s (more than the ${windowSeconds} s lease window)`,
    });
  }
  const last = monitor.lastTry("bitbucket");
  checks.push(
    last === null
      ? { name: "bitbucket", ok: true, detail: "not contacted yet" }
      : last.status === null
        ? { name: "bitbucket", ok: false, detail: `did not answer its last request, ${ago(options.now, last.at)}` }
        : { name: "bitbucket", ok: true, detail: `answered HTTP ${last.status}, ${ago(options.now, last.at)}` },
  );
  return { ready: checks.every((check) => check.ok), checks };
}

function ago(now: number, at: number): string {
  return `${Math.max(0, Math.round((now - at) / 1_000))} s ago`;
}
