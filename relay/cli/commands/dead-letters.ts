import type { DeadLetter } from "../../../shared/protocol/schema";
import type { Command, CommandContext, CommandGroup } from "../command";
import { wantsJson } from "../common-options";
import { edgeClientOf, onEdge } from "../edge-of";
import { UsageError } from "../errors";

const ENVIRONMENT = `
Needs RELAY_URL and RELAY_AGENT_TOKEN (RELAY_TENANT, default "default"): the edge keeps the dead letters.
Output: a table on a terminal, JSON otherwise or with --json. Exit codes: 0 done, 1 the edge failed or an id was
not a dead letter, 2 usage or configuration.`;

const json = { type: "boolean", description: "Print JSON (the default when stdout is not a terminal)" } as const;

const listCommand: Command = {
  name: "list",
  summary: "List the edge's dead letters, oldest first, with their reason",
  usage: "bbrelay dead-letters list [--json]",
  details: ENVIRONMENT,
  options: { json },
  async run(context) {
    const edge = edgeClientOf(context);
    const letters: DeadLetter[] = [];
    let after: string | undefined;
    do {
      const page = await onEdge(() => edge.deadLetters(after));
      letters.push(...page.deadLetters);
      after = page.nextAfter;
    } while (after !== undefined);
    if (wantsJson(context)) context.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    else context.stdout.write(letters.length === 0 ? "No dead letters.\n" : formatTable(letters, Date.now()));
    return 0;
  },
};

const redriveCommand: Command = {
  name: "redrive",
  summary: "Put dead letters back in the queue (attempts reset): the ones named, or --all",
  usage: "bbrelay dead-letters redrive (ID... | --all) [--json]",
  details: `
Fix the cause first (the reason in \`bbrelay dead-letters list\`), or the agent dead-letters them again.
${ENVIRONMENT}`,
  options: { all: { type: "boolean", description: "Every dead letter of the tenant" }, json },
  positionals: { name: "ID", description: "Dead letter ids, as `bbrelay dead-letters list` shows them" },
  async run(context) {
    const all = context.values.all === true;
    if (all && context.positionals.length > 0) throw new UsageError("give dead letter ids or --all, not both");
    const ids = all ? [] : idsOf(context, "redrive");
    const edge = edgeClientOf(context);
    const { redriven } = await onEdge(() => edge.redrive(all ? { all: true } : { ids }));
    const missed = all ? 0 : ids.length - redriven;
    report(context, { redriven, ...(all ? {} : { requested: ids.length }) }, () =>
      all
        ? `Redriven ${redriven} dead letter(s): back in the queue.`
        : `Redriven ${redriven} of ${ids.length}${missed > 0 ? `; ${missed} id(s) were not dead letters (already redriven or dropped?)` : ""}.`,
    );
    return missed > 0 ? 1 : 0;
  },
};

const dropCommand: Command = {
  name: "drop",
  summary: "Delete dead letters for good (their events are not replayed)",
  usage: "bbrelay dead-letters drop ID... [--json]",
  details: `
A dropped event is gone: the catalog catches up with it at the next resync (\`bbrelay resync --request\`).
${ENVIRONMENT}`,
  options: { json },
  positionals: { name: "ID", description: "Dead letter ids, as `bbrelay dead-letters list` shows them" },
  async run(context) {
    const ids = idsOf(context, "drop");
    const edge = edgeClientOf(context);
    const { dropped } = await onEdge(() => edge.dropDeadLetters({ ids }));
    const missed = ids.length - dropped;
    report(
      context,
      { dropped, requested: ids.length },
      () => `Dropped ${dropped} of ${ids.length}${missed > 0 ? `; ${missed} id(s) were not dead letters` : ""}.`,
    );
    return missed > 0 ? 1 : 0;
  },
};

export const deadLettersGroup: CommandGroup = {
  name: "dead-letters",
  summary: "List, redrive or drop the events the agent could not handle (kept by the edge)",
  commands: [listCommand, redriveCommand, dropCommand],
};

function idsOf(context: CommandContext, verb: string): string[] {
  if (context.positionals.length === 0)
    throw new UsageError(
      `name the dead letters to ${verb} (ids from \`bbrelay dead-letters list\`)${verb === "redrive" ? ", or give --all" : ""}`,
    );
  const bad = context.positionals.filter((id) => !/^\d{1,15}$/.test(id));
  if (bad.length > 0) throw new UsageError(`not dead letter ids (whole numbers): ${bad.join(", ")}`);
  if (context.positionals.length > 1_000) throw new UsageError("at most 1000 ids at once; use --all or several calls");
  return [...new Set(context.positionals)];
}

function report(context: CommandContext, value: object, text: () => string): void {
  context.stdout.write(wantsJson(context) ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

function formatTable(letters: readonly DeadLetter[], now: number): string {
  const rows = letters.map((letter) => [
    letter.id,
    letter.type === "resync" ? "resync" : (letter.eventKey ?? "?"),
    letter.entityKey ?? "",
    String(letter.attempts),
    `${Math.max(0, Math.round((now - letter.deadAt) / 60_000))} min ago`,
    letter.reason.replace(/\s+/g, " ").slice(0, 100),
  ]);
  const header = ["ID", "EVENT", "CONCERNS", "ATTEMPTS", "DEAD SINCE", "REASON"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n${letters.length} dead letter(s).\n`;
}
