/** `vmcrawl manage dni import|list|count|add|remove`: the Do-Not-Interact list. */
import { defineCommand } from "citty";
import { UsageError } from "../../errors.ts";
import { withHttpClient } from "../../net/index.ts";
import { addDni, countDni, type DniForce, importDni, listDni, removeDni } from "../../manage/dni.ts";
import { describeStorage } from "../../store/index.ts";
import { printable } from "../../text.ts";
import { runtimeOf, withStore } from "../_shared.ts";
import { jsonArg, report } from "./_common.ts";

const importCommand = defineCommand({
  meta: { name: "import", description: "Add the IFTAS DNI list's new names as soft entries (VMCRAWL_DNI_URL)" },
  args: { url: { type: "string", valueHint: "https://…", description: "Read this CSV instead of VMCRAWL_DNI_URL" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const url = context.args.url ?? config.fetch.dniUrl;
    if (!/^https:\/\//.test(url)) throw new UsageError(`--url "${url}" is not an https:// URL`);
    const result = await withHttpClient(config, (http) => withStore(runtime, async (store) => ({ ...(await importDni(store, http, url)), count: await countDni(store.query) })));
    report(runtime, context.args.json, result, () => [
      `Read ${result.domains.length} domains from ${url}: ${result.added} new (soft), ${result.domains.length - result.added} already listed.`,
      ...(result.skipped.length > 0 ? [`Skipped ${result.skipped.length} rows that are not domains:`, ...result.skipped.slice(0, 10).map((s) => `  line ${s.line}: ${s.reason}`), ...(result.skipped.length > 10 ? [`  … and ${result.skipped.length - 10} more`] : [])] : []),
      `The DNI list now has ${result.count.total} entries (${result.count.hard} hard, ${result.count.soft} soft) in ${describeStorage(config)}.`,
    ]);
  },
});

const list = defineCommand({
  meta: { name: "list", description: "Every DNI entry: domain, force, comment, when" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const entries = await withStore(runtime, (store) => listDni(store.query));
    report(runtime, context.args.json, entries, () =>
      entries.length === 0 ? "The DNI list is empty." : entries.map((e) => `${printable(e.domain).padEnd(40)} ${e.force.padEnd(4)} ${e.timestamp.slice(0, 10)}  ${printable(e.comment ?? "")}`),
    );
  },
});

const countCommand = defineCommand({
  meta: { name: "count", description: "How many DNI entries, hard and soft" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const counts = await withStore(runtime, (store) => countDni(store.query));
    report(runtime, context.args.json, counts, () => `${counts.total} DNI entries: ${counts.hard} hard (never crawled), ${counts.soft} soft (not shown in detailed listings).`);
  },
});

const add = defineCommand({
  meta: { name: "add", description: "Add a domain (and everything under it) to the DNI list, or change an entry" },
  args: {
    domain: { type: "positional", required: true, valueHint: "domain", description: "The domain" },
    comment: { type: "string", required: true, valueHint: "text", description: "Why (required)" },
    force: { type: "string", valueHint: "hard|soft", description: "hard: never crawled nor added; soft: only hidden from detailed listings (default hard)" },
    ...jsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const force = (context.args.force ?? "hard").trim().toLowerCase();
    if (force !== "hard" && force !== "soft") throw new UsageError(`--force "${context.args.force}" is not valid: expected hard or soft`);
    const result = await withStore(runtime, (store) => addDni(store, context.args.domain, context.args.comment, force as DniForce));
    report(runtime, context.args.json, { ...result, force }, () => `${result.updated ? "Changed" : "Added"} ${printable(result.domain)} (${force}) on the DNI list.`);
  },
});

const remove = defineCommand({
  meta: { name: "remove", description: "Take a domain off the DNI list" },
  args: { domain: { type: "positional", required: true, valueHint: "domain", description: "The domain" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const removed = await withStore(runtime, (store) => removeDni(store, context.args.domain));
    report(runtime, context.args.json, { domain: context.args.domain, removed }, () => (removed ? `Removed ${printable(context.args.domain)} from the DNI list.` : `${printable(context.args.domain)} is not on the DNI list; nothing changed.`));
  },
});

export default defineCommand({
  meta: { name: "dni", description: "The Do-Not-Interact list: import, list, count, add, remove" },
  subCommands: { import: importCommand, list, count: countCommand, add, remove },
});
