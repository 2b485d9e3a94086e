/** `vmcrawl manage versions …` and `manage nightly …`: the branch model and nightly ranges. */
import { defineCommand } from "citty";
import { UsageError } from "../../errors.ts";
import { withHttpClient } from "../../net/index.ts";
import { addNightly, describeNightly, markEol, nightlyRanges, OPEN_END, promoteMain, readBranches, reorderReleases, setNightlyEnd, versionInfo } from "../../versions/branches.ts";
import { githubFor } from "../../versions/github.ts";
import { updateLatestFromGithub } from "../../versions/update.ts";
import { importAdvisories } from "../../versions/advisories.ts";
import { runtimeOf, withStore } from "../_shared.ts";
import { jsonArg, report } from "./_common.ts";

const today = () => new Date().toISOString().slice(0, 10);

const show = defineCommand({
  meta: { name: "show", description: "The tracked branches by role, and today's nightly" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const { branches, text } = await withStore(runtime, async (store) => ({ branches: await readBranches(store.query), text: await versionInfo(store.query, today()) }));
    report(runtime, context.args.json, branches, () => text);
  },
});

const update = defineCommand({
  meta: { name: "update", description: "Each branch's latest release from GitHub (gh CLI, else VMCRAWL_GITHUB_API_URL)" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const result = await withHttpClient(config, async (http) => {
      const github = await githubFor(config, http);
      return withStore(runtime, (store) => updateLatestFromGithub(store, github));
    });
    report(runtime, context.args.json, result, () => [
      result.changes.length === 0 ? `Every branch is up to date (read through ${result.via}).` : `Updated from ${result.via}:`,
      ...result.changes.map((c) => `  ${c.branch}: ${c.from} → ${c.to}`),
      ...result.notes.map((n) => `Note: ${n}`),
    ]);
  },
});

const promote = defineCommand({
  meta: { name: "promote", description: "Main has been released: it becomes the latest release, the next minor becomes main" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const result = await withStore(runtime, (store) => promoteMain(store));
    report(runtime, context.args.json, result, () => `Promoted ${result.promoted} to the latest release; ${result.main} is the main branch now.`);
  },
});

const eol = defineCommand({
  meta: { name: "eol", description: "Mark a release branch end-of-life" },
  args: { branch: { type: "positional", required: true, valueHint: "x.y", description: "The release branch" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    await withStore(runtime, (store) => markEol(store, context.args.branch));
    report(runtime, context.args.json, { branch: context.args.branch, status: "eol" }, () => `Branch ${context.args.branch} is end-of-life now.`);
  },
});

const reorder = defineCommand({
  meta: { name: "reorder", description: "Set the order of the release branches, newest support first" },
  args: { order: { type: "positional", required: true, valueHint: "4.5,4.4,4.3", description: "Every release branch, comma-separated" }, ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const order = context.args.order.split(",").map((b) => b.trim()).filter(Boolean);
    await withStore(runtime, (store) => reorderReleases(store, order));
    report(runtime, context.args.json, { order }, () => `Release branches in order: ${order.join(", ")}.`);
  },
});

const advisories = defineCommand({
  meta: { name: "advisories", description: "Read Mastodon's security advisories from GitHub and derive the versions each affects" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    const { result, via } = await withHttpClient(config, async (http) => {
      const github = await githubFor(config, http);
      return { result: await withStore(runtime, (store) => importAdvisories(store, github, new Date())), via: github.via };
    });
    report(runtime, context.args.json, result, () => [
      `Read ${result.imported} advisories through ${via}.`,
      ...(result.needsReview.length > 0 ? [`Affected versions unsure (set override_spec): ${result.needsReview.join(", ")}`] : []),
    ]);
  },
});

export const versions = defineCommand({
  meta: { name: "versions", description: "Tracked Mastodon branches: show, update, promote, eol, reorder, advisories" },
  subCommands: { show, update, promote, eol, reorder, advisories },
});

const nightlyList = defineCommand({
  meta: { name: "list", description: "Nightly ranges, newest first, security pins last" },
  args: { ...jsonArg },
  async run(context) {
    const runtime = runtimeOf(context);
    const rows = await withStore(runtime, (store) => nightlyRanges(store.query));
    report(runtime, context.args.json, rows, () => rows.map(describeNightly));
  },
});

const nightlyAdd = defineCommand({
  meta: { name: "add", description: "A new nightly pre-release from a date on; the open range ends the day before" },
  args: {
    version: { type: "positional", required: true, valueHint: "x.y.z-alpha.n", description: "The pre-release nightly builds now report" },
    start: { type: "string", valueHint: "YYYY-MM-DD", description: "First build date (default tomorrow)" },
    end: { type: "string", valueHint: "YYYY-MM-DD", description: `Last build date (default ${OPEN_END}: open)` },
    security: { type: "boolean", description: "A pin for one security build date (--start) instead of a range" },
    "keep-previous": { type: "boolean", description: "Leave the open range's end date as it is" },
    ...jsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    const start = context.args.start ?? new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    if (context.args.security === true && context.args.end !== undefined) throw new UsageError("--security pins one date (--start); --end does not go with it");
    const result = await withStore(runtime, (store) =>
      addNightly(store, {
        version: context.args.version,
        start,
        ...(context.args.end === undefined ? {} : { end: context.args.end }),
        isSecurity: context.args.security === true,
        closePrevious: context.args["keep-previous"] !== true,
      }),
    );
    report(runtime, context.args.json, { version: context.args.version, start, ...result }, () => [
      `Added ${context.args.version} from ${start}${context.args.security === true ? " (security pin)" : ""}.`,
      ...result.closed.map((v) => `Ended ${v} on the day before.`),
    ]);
  },
});

const nightlySetEnd = defineCommand({
  meta: { name: "set-end", description: "Change the last build date of a nightly range" },
  args: {
    version: { type: "positional", required: true, valueHint: "x.y.z-alpha.n", description: "The range's version" },
    end: { type: "positional", required: true, valueHint: "YYYY-MM-DD", description: "The new end date" },
    ...jsonArg,
  },
  async run(context) {
    const runtime = runtimeOf(context);
    await withStore(runtime, (store) => setNightlyEnd(store, context.args.version, context.args.end));
    report(runtime, context.args.json, { version: context.args.version, end: context.args.end }, () => `${context.args.version} now ends on ${context.args.end}.`);
  },
});

export const nightly = defineCommand({
  meta: { name: "nightly", description: "Nightly build ranges: list, add, set-end" },
  subCommands: { list: nightlyList, add: nightlyAdd, "set-end": nightlySetEnd },
});
