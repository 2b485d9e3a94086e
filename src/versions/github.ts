/**
 * GitHub, where Mastodon publishes its releases, its main branch's version
 * and its security advisories (reference §11.2, §11.5, without their caps:
 * every page is read, so old EOL branches are found). Through the `gh` CLI
 * when it is installed and logged in (its own credentials), else the REST
 * API over the crawler's HTTP client, with VMCRAWL_GITHUB_TOKEN (or
 * GITHUB_TOKEN) sent to that API's origin only. A failure throws a
 * VmcrawlError "GITHUB" saying why; nothing is half-read.
 */
import { execFile } from "node:child_process";
import { VmcrawlError } from "../errors.ts";
import type { Config } from "../config.ts";
import type { HttpClient } from "../net/http.ts";
import { printable } from "../text.ts";

export const DEFAULT_GITHUB_API = "https://api.github.com";
export const MASTODON_REPO = "/repos/mastodon/mastodon";
/** At 100 per page: 5,000 items, far more than Mastodon's releases or advisories. */
const MAX_PAGES = 50;
/** Per page; a page of 100 releases with their notes is about 1 MB. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

export interface GithubReader {
  /** Every item of a list endpoint (`/repos/…/releases`), all pages. */
  list(path: string): Promise<unknown[]>;
  /** A file of the repository's default branch, as text (`lib/mastodon/version.rb`). */
  raw(repo: string, file: string): Promise<string>;
  /** Where it reads, for messages. */
  readonly via: string;
}

const fail = (message: string) => new VmcrawlError("GITHUB", message);

export function githubOverHttp(http: Pick<HttpClient, "fetch">, options: { apiUrl: string; token?: string | undefined; timeoutMs?: number }): GithubReader {
  const api = new URL(options.apiUrl);
  const authorization = options.token === undefined ? undefined : { host: api.hostname, value: `Bearer ${options.token}` };
  const get = async (url: string, accept: string) => {
    const result = await http.fetch(url, { accept, maxBytes: MAX_PAGE_BYTES, timeoutMs: options.timeoutMs ?? 30_000, ...(authorization ? { authorization } : {}) });
    if (!result.ok) throw fail(`GitHub (${url}) could not be read: ${result.failure.reason}`);
    if (result.status !== 200) {
      const limited = (result.status === 403 || result.status === 429) && result.headers["x-ratelimit-remaining"] === "0";
      const hint = limited ? `rate limited${authorization ? "" : "; set VMCRAWL_GITHUB_TOKEN (or GITHUB_TOKEN) for a higher limit"}` : messageOf(result.body);
      throw fail(`GitHub (${url}) answered HTTP ${result.status}${hint ? `: ${hint}` : ""}`);
    }
    return result;
  };
  return {
    via: api.origin === DEFAULT_GITHUB_API ? "GitHub's API" : `the GitHub API at ${api.origin}`,
    async list(path) {
      const items: unknown[] = [];
      let url: string | undefined = `${options.apiUrl}${path}${path.includes("?") ? "&" : "?"}per_page=100`;
      for (let page = 1; url !== undefined; page++) {
        if (page > MAX_PAGES) throw fail(`GitHub (${options.apiUrl}${path}) has more than ${MAX_PAGES} pages; refusing to read on`);
        const result = await get(url, "application/vnd.github+json");
        let parsed: unknown;
        try {
          parsed = JSON.parse(result.body.toString("utf8"));
        } catch {
          throw fail(`GitHub (${url}) answered something that is not JSON`);
        }
        if (!Array.isArray(parsed)) throw fail(`GitHub (${url}) answered JSON that is not a list`);
        items.push(...parsed);
        url = nextPage(result.headers.link);
        // The next page must be on the same API: the token goes nowhere else, and nor do we.
        if (url !== undefined && new URL(url).origin !== api.origin) throw fail(`GitHub (${options.apiUrl}${path}) points its next page to another site: ${printable(url.slice(0, 200))}`);
      }
      return items;
    },
    async raw(repo, file) {
      const result = await get(`${options.apiUrl}${repo}/contents/${file}`, "application/vnd.github.raw+json");
      return result.body.toString("utf8");
    },
  };
}

/** Runs a program; resolves with its exit code and output (never rejects). */
export type Exec = (program: string, args: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

export const execProgram: Exec = (program, args) =>
  new Promise((resolve) => {
    execFile(program, args, { timeout: 120_000, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 127;
      resolve({ code, stdout, stderr });
    });
  });

export function githubOverCli(exec: Exec): GithubReader {
  const gh = async (args: string[]) => {
    const result = await exec("gh", args);
    if (result.code !== 0) throw fail(`gh ${args.join(" ")} failed (exit ${result.code}): ${printable(result.stderr.trim().slice(0, 300))}`);
    return result.stdout;
  };
  return {
    via: "the gh CLI",
    async list(path) {
      // One item per line, whatever the number of pages.
      const out = await gh(["api", "--paginate", `${path.replace(/^\//, "")}${path.includes("?") ? "&" : "?"}per_page=100`, "--jq", ".[]"]);
      return out
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          try {
            return JSON.parse(line) as unknown;
          } catch {
            throw fail(`gh api ${path} printed a line that is not JSON: ${printable(line.slice(0, 100))}`);
          }
        });
    },
    raw: (repo, file) => gh(["api", "-H", "Accept: application/vnd.github.raw+json", `${repo.replace(/^\//, "")}/contents/${file}`]),
  };
}

/**
 * The gh CLI when it can serve (the default API, gh installed and logged in), else HTTP.
 * A GitHub Enterprise or test API URL always goes over HTTP: gh would ask github.com.
 */
export async function chooseGithub(options: { apiUrl: string; token?: string | undefined; http: Pick<HttpClient, "fetch">; exec?: Exec }): Promise<GithubReader> {
  const exec = options.exec ?? execProgram;
  if (options.apiUrl === DEFAULT_GITHUB_API && (await exec("gh", ["auth", "status"])).code === 0) return githubOverCli(exec);
  return githubOverHttp(options.http, options);
}

/** GitHub as the configuration says (VMCRAWL_GITHUB_API_URL, the token), over `http` unless gh serves. */
export function githubFor(config: Pick<Config, "versions">, http: Pick<HttpClient, "fetch">): Promise<GithubReader> {
  return chooseGithub({ apiUrl: config.versions.githubApiUrl, token: config.versions.githubToken, http });
}

/** The URL of rel="next" in a Link header. */
export function nextPage(link: string | undefined): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const m = /^\s*<([^>]+)>\s*;\s*rel="?next"?\s*$/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

function messageOf(body: Buffer): string {
  try {
    const message = (JSON.parse(body.toString("utf8")) as { message?: unknown }).message;
    return typeof message === "string" ? printable(message.slice(0, 200)) : "";
  } catch {
    return "";
  }
}
