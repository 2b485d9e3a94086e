/**
 * Which domains a crawl run takes, from the command line: pure, so the
 * argument rules are tested without running anything.
 */
import { UsageError } from "../errors.ts";
import { type DomainName, parseDomain } from "../net/domain.ts";
import { type CrawlMode, crawlModeRanges, findCrawlMode } from "./modes.ts";

export interface CrawlArgs {
  readonly new?: boolean;
  readonly target?: string;
  readonly file?: string;
  readonly mode?: string;
  readonly list?: boolean;
  readonly db?: string;
  readonly "summary-json"?: string;
}

export type CrawlRequest =
  /** `--db DOMAIN`: print what is known, crawl nothing. */
  | { readonly kind: "lookup"; readonly domain: DomainName }
  /** No selection flag: the menu on a terminal, random order (mode 3) headless. */
  | { readonly kind: "default" }
  | { readonly kind: "mode"; readonly mode: CrawlMode }
  /** `--new`: the same as mode 0. */
  | { readonly kind: "new" }
  /** `--list` with `--new` or `--mode N`: the selection's domains printed, nothing crawled. */
  | { readonly kind: "list"; readonly mode: CrawlMode }
  | { readonly kind: "targets"; readonly domains: readonly DomainName[] }
  | { readonly kind: "file"; readonly path: string };

export function parseCrawlRequest(args: CrawlArgs): CrawlRequest {
  const given = (["new", "target", "file", "mode"] as const).filter((flag) => args[flag] !== undefined && args[flag] !== false);
  if (args["summary-json"] !== undefined && (args.db !== undefined || args.list === true)) {
    throw new UsageError(`--summary-json summarises a crawl run; --${args.db !== undefined ? "db" : "list"} crawls nothing`);
  }
  if (args.db !== undefined) {
    const with_ = [...given, ...(args.list === true ? ["list" as const] : [])];
    if (with_.length > 0) throw new UsageError(`--db looks up one domain and cannot be combined with ${with_.map((f) => `--${f}`).join(", ")}`);
    return { kind: "lookup", domain: domainArg("--db", args.db) };
  }
  if (given.length > 1) {
    throw new UsageError(`${given.map((f) => `--${f}`).join(" and ")} each choose which domains to crawl; use only one of them`);
  }
  if (args.list === true) {
    if (args.new !== true && args.mode === undefined) throw new UsageError("--list prints a menu selection: give it --new or --mode N");
    return { kind: "list", mode: args.new === true ? findCrawlMode(0)! : modeArg(args.mode!) };
  }
  if (args.new === true) return { kind: "new" };
  if (args.target !== undefined) return { kind: "targets", domains: domainListArg("--target", args.target) };
  if (args.file !== undefined) {
    if (args.file.trim() === "") throw new UsageError("--file needs a path to a file with one domain per line");
    return { kind: "file", path: args.file };
  }
  if (args.mode !== undefined) return { kind: "mode", mode: modeArg(args.mode) };
  return { kind: "default" };
}

export function domainArg(flag: string, value: string): DomainName {
  if (value.trim() === "") throw new UsageError(`${flag} needs a domain name, such as ${flag} example.social`);
  const parsed = parseDomain(value);
  if (!parsed.ok) throw new UsageError(`${flag} "${value}" is not a domain name: ${parsed.reason}`);
  return parsed.value;
}

/** `a.example, b.example` → both; spaces around commas are allowed, empty items and duplicates are not kept. */
export function domainListArg(flag: string, value: string): DomainName[] {
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) throw new UsageError(`${flag} needs one or more domain names separated by commas, such as ${flag} mas.to,infosec.exchange`);
  const seen = new Map<string, DomainName>();
  for (const item of items) {
    const domain = domainArg(flag, item);
    if (!seen.has(domain.ascii)) seen.set(domain.ascii, domain);
  }
  return [...seen.values()];
}

function modeArg(value: string): CrawlMode {
  const text = value.trim();
  const mode = /^\d{1,3}$/.test(text) ? findCrawlMode(Number(text)) : undefined;
  if (mode === undefined) throw new UsageError(`--mode "${value}" is not a crawl menu option: expected one of ${crawlModeRanges()}`);
  return mode;
}
