/**
 * The manage menu on a terminal, numbered as the seed's manage options 1–15
 * (ours follow from 16): arrow keys to choose, each flow asks with validation at the prompt (a domain that is not
 * a domain, a date that is not a date, a version that is not a pre-release is
 * refused there, with why), confirms before a change that is hard to undo,
 * and Esc or Ctrl-C at any prompt goes back to the menu having changed
 * nothing. Every action is the same function its subcommand calls.
 */
import { autocomplete, cancel, confirm, intro, isCancel, log, outro, select, text } from "@clack/prompts";
import semver from "semver";
import type { Runtime } from "../cli.ts";
import { isIsoDate } from "../dates.ts";
import { VmcrawlError } from "../errors.ts";
import { parseDomain } from "../net/domain.ts";
import { withHttpClient } from "../net/index.ts";
import { addDni, countDni, type DniForce, importDni, listDni, removeDni } from "../manage/dni.ts";
import { requeue, REQUEUE_GROUPS, type RequeueGroup } from "../manage/queue.ts";
import { flagDay, flaggedDays } from "../manage/stat-days.ts";
import { refreshTldCache } from "../peers/tlds.ts";
import { describeStorage, openStore } from "../store/index.ts";
import type { Store } from "../store/types.ts";
import { printable } from "../text.ts";
import { importAdvisories } from "../versions/advisories.ts";
import { addNightly, describeNightly, markEol, nightlyRanges, OPEN_END, promoteMain, readBranches, reorderReleases, setNightlyEnd, versionInfo } from "../versions/branches.ts";
import { recentNightlies } from "../store/branches.ts";
import { githubFor } from "../versions/github.ts";
import { updateLatestFromGithub } from "../versions/update.ts";
import { control } from "./control.ts";
import { renderDomainReport } from "./lookup.ts";

/** Esc or Ctrl-C at a prompt: back to the menu. */
class Cancelled extends Error {}

interface Action {
  readonly value: string;
  readonly label: string;
  readonly group: string;
  run(store: Store, io: Prompts): Promise<void>;
}

type Prompts = ReturnType<typeof prompts>;

function prompts(runtime: Runtime) {
  const streams = { input: runtime.io.stdin as NodeJS.ReadStream, output: runtime.io.stdout as unknown as NodeJS.WriteStream };
  const answer = <T>(value: T | symbol): Exclude<T, symbol> => {
    if (isCancel(value)) throw new Cancelled();
    return value as Exclude<T, symbol>;
  };
  return {
    streams,
    text: async (message: string, validate: (value: string) => string | undefined, options: { initialValue?: string; placeholder?: string } = {}) =>
      answer(await text({ message, validate: (v) => validate((v ?? "").trim()), ...options, ...streams })).trim(),
    confirm: async (message: string) => answer(await confirm({ message, initialValue: false, ...streams })),
    select: async <T extends string>(message: string, options: { value: T; label: string; hint?: string }[]) =>
      answer(await select<T>({ message, options: options.map((o) => (o.hint === undefined ? { value: o.value, label: o.label } : { value: o.value, label: o.label, hint: o.hint })) as Parameters<typeof select<T>>[0]["options"], maxItems: 14, ...streams })),
    info: (message: string) => log.message(message, { output: streams.output }),
    success: (message: string) => log.success(message, { output: streams.output }),
  };
}

const isDomain = (v: string) => {
  const parsed = parseDomain(v);
  return parsed.ok ? undefined : `not a domain name: ${parsed.reason}`;
};
const isDate = (v: string) => (isIsoDate(v) ? undefined : "not a date: expected YYYY-MM-DD");
const isPrerelease = (v: string) => {
  const parsed = semver.parse(v);
  return parsed !== null && parsed.prerelease.length > 0 ? undefined : "not a pre-release version such as 4.6.0-alpha.5";
};
const required = (what: string) => (v: string) => (v === "" ? `${what} is required` : undefined);
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

function actions(runtime: Runtime): Action[] {
  const config = runtime.config();
  // In the seed's order: its options 1–15 keep their numbers; ours follow from 16.
  return [
    {
      value: "dni-import",
      label: "Import the IFTAS DNI list (new names, soft)",
      group: "DNI",
      async run(store, io) {
        if (!(await io.confirm(`Read ${config.fetch.dniUrl} and add its new names as soft entries?`))) return;
        const result = await withHttpClient(config, (http) => importDni(store, http, config.fetch.dniUrl));
        io.success(`${result.domains.length} domains read: ${result.added} new, ${result.skipped.length} rows skipped`);
      },
    },
    {
      value: "dni-list",
      label: "List the DNI entries",
      group: "DNI",
      async run(store, io) {
        const entries = await listDni(store.query);
        io.info(entries.length === 0 ? "The DNI list is empty." : entries.slice(0, 200).map((e) => `${printable(e.domain)}  ${e.force}  ${printable(e.comment ?? "")}`).join("\n") + (entries.length > 200 ? `\n… and ${entries.length - 200} more (vmcrawl manage dni list)` : ""));
      },
    },
    {
      value: "dni-count",
      label: "Count the DNI entries",
      group: "DNI",
      async run(store, io) {
        const c = await countDni(store.query);
        io.info(`${c.total} entries: ${c.hard} hard, ${c.soft} soft`);
      },
    },
    {
      value: "dni-add",
      label: "Add a domain to the DNI list",
      group: "DNI",
      async run(store, io) {
        const domain = await io.text("Domain (it and everything under it)", isDomain, { placeholder: "example.social" });
        const comment = await io.text("Why (a comment is required)", required("a comment"));
        const force = await io.select<DniForce>("Force", [
          { value: "hard", label: "hard", hint: "never crawled, never added" },
          { value: "soft", label: "soft", hint: "only hidden from detailed listings" },
        ]);
        const result = await addDni(store, domain, comment, force);
        io.success(`${result.updated ? "Changed" : "Added"} ${printable(result.domain)} (${force})`);
      },
    },
    {
      value: "dni-remove",
      label: "Remove a domain from the DNI list",
      group: "DNI",
      async run(store, io) {
        const domain = await io.text("Domain to remove", isDomain);
        if (!(await io.confirm(`Remove ${domain} from the DNI list?`))) return;
        io.success((await removeDni(store, domain)) ? `Removed ${domain}` : `${domain} was not on the list; nothing changed`);
      },
    },
    {
      value: "nightly-list",
      label: "List nightly ranges",
      group: "Nightly",
      async run(store, io) {
        const rows = await nightlyRanges(store.query);
        // The newest fit on a screen; the whole list is one subcommand away.
        const shown = rows.slice(0, 12).map(describeNightly);
        io.info([...shown, ...(rows.length > shown.length ? [`… ${rows.length - shown.length} older (vmcrawl manage nightly list)`] : [])].join("\n"));
      },
    },
    {
      value: "nightly-add",
      label: "Add a nightly version",
      group: "Nightly",
      async run(store, io) {
        const version = await io.text("Pre-release nightly builds now report", isPrerelease, { placeholder: "4.6.0-alpha.5" });
        const start = await io.text("First build date", isDate, { initialValue: tomorrow() });
        const end = await io.text("Last build date", isDate, { initialValue: OPEN_END });
        // The seed asks whether the range running on the start date should end the day before it.
        const previous = await io.select("The range running on that date", [
          { value: "end", label: "ends the day before", hint: "the new builds replace it" },
          { value: "keep", label: "keeps its end date" },
        ]);
        const closePrevious = previous === "end";
        if (!(await io.confirm(`Add ${version} from ${start} to ${end}, ${closePrevious ? "ending the open range on the day before" : "keeping the open range's end"}?`))) return;
        const result = await addNightly(store, { version, start, end, closePrevious });
        io.success(`Added ${version}${result.closed.length > 0 ? `; ended ${result.closed.join(", ")}` : ""}`);
      },
    },
    {
      value: "nightly-end",
      label: "Change a nightly range's end date",
      group: "Nightly",
      async run(store, io) {
        const rows = await recentNightlies(store.query, 12);
        const version = await io.select("Which range", rows.map((r) => ({ value: String(r.version), label: String(r.version), hint: `ends ${String(r.end_date)}` })));
        const end = await io.text("New end date", isDate);
        await setNightlyEnd(store, version, end);
        io.success(`${version} now ends on ${end}`);
      },
    },
    {
      value: "versions-update",
      label: "Update latest versions from GitHub",
      group: "Versions",
      async run(store, io) {
        const result = await withHttpClient(config, async (http) => updateLatestFromGithub(store, await githubFor(config, http)));
        io.success(result.changes.length === 0 ? `Every branch is up to date (${result.via})` : result.changes.map((c) => `${c.branch}: ${c.from} → ${c.to}`).join("\n"));
        for (const note of result.notes) io.info(note);
      },
    },
    {
      value: "versions-show",
      label: "Show current version information",
      group: "Versions",
      async run(store, io) {
        io.info(await versionInfo(store.query, new Date().toISOString().slice(0, 10)));
      },
    },
    {
      value: "versions-promote",
      label: "Promote the main branch to release",
      group: "Versions",
      async run(store, io) {
        const main = (await readBranches(store.query)).find((b) => b.status === "main");
        if (!(await io.confirm(`Promote ${main?.branch ?? "the main branch"} to the latest release and start the next minor as main?`))) return;
        const result = await promoteMain(store);
        io.success(`Promoted ${result.promoted}; ${result.main} is the main branch now`);
      },
    },
    {
      value: "versions-eol",
      label: "Mark a branch end-of-life",
      group: "Versions",
      async run(store, io) {
        const releases = (await readBranches(store.query)).filter((b) => b.status === "release");
        const branch = await io.select("Which release branch", releases.map((b) => ({ value: b.branch, label: b.branch, hint: `latest ${b.latest}` })));
        if (!(await io.confirm(`Mark ${branch} end-of-life?`))) return;
        await markEol(store, branch);
        io.success(`${branch} is end-of-life now`);
      },
    },
    {
      value: "versions-reorder",
      label: "Reorder release branches",
      group: "Versions",
      async run(store, io) {
        const releases = (await readBranches(store.query)).filter((b) => b.status === "release").map((b) => b.branch);
        const order = await io.text(
          `New order of ${releases.join(", ")} (comma-separated)`,
          (v) => {
            const given = v.split(",").map((b) => b.trim()).filter(Boolean);
            return given.length === releases.length && new Set(given).size === given.length && given.every((b) => releases.includes(b)) ? undefined : `list each of ${releases.join(", ")} once`;
          },
          { initialValue: releases.join(",") },
        );
        await reorderReleases(store, order.split(",").map((b) => b.trim()));
        io.success(`Release branches in order: ${order}`);
      },
    },
    {
      value: "tld-update",
      label: "Update the TLD list",
      group: "TLD",
      async run(store, io) {
        const n = await withHttpClient(config, (http) => refreshTldCache(store, http, config.fetch.tldUrl, new Date()));
        io.success(`Stored ${n} top-level domains`);
      },
    },
    {
      value: "search",
      label: "Search domain details",
      group: "Domain",
      async run(store, io) {
        const domain = await io.text("Domain", isDomain);
        const parsed = parseDomain(domain);
        if (parsed.ok) io.info(renderDomainReport(await store.describeDomain(parsed.value), describeStorage(config)));
      },
    },
    {
      value: "advisories",
      label: "Refresh security advisories from GitHub",
      group: "Versions",
      async run(store, io) {
        const result = await withHttpClient(config, async (http) => importAdvisories(store, await githubFor(config, http), new Date()));
        io.success(`${result.imported} advisories read${result.needsReview.length > 0 ? `; unsure: ${result.needsReview.join(", ")}` : ""}`);
      },
    },
    {
      value: "requeue",
      label: "Requeue domains",
      group: "Queue",
      async run(store, io) {
        const what = await io.select<"domain" | RequeueGroup>("Requeue what", [
          { value: "domain", label: "one domain" },
          ...REQUEUE_GROUPS.map((g) => ({ value: g, label: g === "unpatched" ? "servers not on a patched release" : g === "main" ? "servers on the main branch" : "every published server" })),
        ]);
        const done = what === "domain" ? await requeue(store, { domains: [await io.text("Domain", isDomain)] }) : await requeue(store, { group: what });
        io.success(`Requeued ${done.length} domain${done.length === 1 ? "" : "s"}`);
      },
    },
    {
      value: "pause",
      label: "Pause the crawler daemons",
      group: "Queue",
      async run(_store, io) {
        const reason = await io.text("Why (optional)", () => undefined);
        await control(runtime, "pause", reason);
      },
    },
    {
      value: "resume",
      label: "Resume the crawler daemons",
      group: "Queue",
      run: async () => control(runtime, "resume", undefined),
    },
    {
      value: "stats-flag",
      label: "Mark a statistics day invalid",
      group: "Statistics",
      async run(store, io) {
        const date = await io.text("Day", isDate, { initialValue: new Date().toISOString().slice(0, 10) });
        const reason = await io.text("Why", required("a reason"));
        await flagDay(store, date, true, reason);
        io.success(`${date} is marked invalid`);
      },
    },
    {
      value: "stats-unflag",
      label: "Clear a day's invalid mark",
      group: "Statistics",
      async run(store, io) {
        const days = await flaggedDays(store.query);
        if (days.length === 0) return io.info("No day is marked invalid.");
        const date = await io.select("Which day", days.map((d) => ({ value: d.date, label: d.date, hint: d.invalid_reason ?? "" })));
        await flagDay(store, date, false);
        io.success(`${date} counts again`);
      },
    }
  ];
}

/** A number picks the options it begins (typing 1 shows 1 and 10–19, 12 shows 12); words search the labels. */
export function menuFilter(search: string, option: { label?: string }): boolean {
  const typed = search.trim().toLowerCase();
  const label = (option.label ?? "").trim().toLowerCase();
  if (typed === "") return true;
  if (/^\d+$/.test(typed)) return label.startsWith(typed);
  return label.includes(typed);
}

export async function manageWizard(runtime: Runtime): Promise<void> {
  const config = runtime.config();
  const io = prompts(runtime);
  const all = actions(runtime);
  const store = await openStore(config);
  try {
    intro(`vmcrawl manage: ${describeStorage(config)}`, { output: io.streams.output });
    for (;;) {
      // Arrow keys, or type an option's number (or words of its label) and Enter.
      const choice = await autocomplete({
        message: "What would you like to do?",
        options: [...all.map((a, i) => ({ value: a.value, label: `${String(i + 1).padStart(2)}. ${a.label}`, hint: a.group })), { value: "quit", label: " 0. Quit" }],
        filter: menuFilter,
        placeholder: "a number, or words to search",
        maxItems: 14,
        ...io.streams,
      });
      if (isCancel(choice) || choice === "quit") break;
      const action = all.find((a) => a.value === choice)!;
      try {
        await action.run(store, io);
      } catch (err) {
        if (err instanceof Cancelled) {
          cancel("Cancelled; nothing changed.", { output: io.streams.output });
          continue;
        }
        if (!(err instanceof VmcrawlError)) throw err;
        log.error(err.message, { output: io.streams.output });
      }
    }
    outro("Done.", { output: io.streams.output });
  } finally {
    await store.close();
  }
}
