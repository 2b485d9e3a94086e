/**
 * Keeping each tracked branch's `latest` current from GitHub (seed manage
 * option 9, reference §11.2): the newest release of every release and EOL
 * branch from all of Mastodon's releases, and the main branch's version from
 * lib/mastodon/version.rb. Only `latest` changes; a branch GitHub says nothing
 * of keeps its value; if either read fails, nothing changes. Every release's
 * publication day is kept too (the releases table), for patch velocity.
 */
import semver from "semver";
import { isIsoDate } from "../dates.ts";
import { type ReleaseRow, upsertReleases } from "../store/releases.ts";
import type { Store } from "../store/types.ts";
import { type LatestChange, readBranches, setLatest } from "./branches.ts";
import { type GithubReader, MASTODON_REPO } from "./github.ts";
import type { ReleaseBranch } from "./patch.ts";

/** "x.y.z[-pre]" from version.rb's major, minor, patch and default_prerelease methods; undefined if they are not all there. */
export function parseVersionRb(text: string): string | undefined {
  const value = (method: string): string | undefined => {
    // `def major` then the value on the next line: a number, or a quoted string.
    const m = new RegExp(`def ${method}\\s*\\n\\s*(\\d+|'[^'\\n]*'|"[^"\\n]*")\\s*\\n`).exec(text);
    return m?.[1]?.replace(/^['"]|['"]$/g, "");
  };
  const [major, minor, patch] = [value("major"), value("minor"), value("patch")];
  if (major === undefined || minor === undefined || patch === undefined || ![major, minor, patch].every((n) => /^\d+$/.test(n))) return undefined;
  const pre = value("default_prerelease");
  const version = `${major}.${minor}.${patch}${pre ? `-${pre}` : ""}`;
  return semver.valid(version) ?? undefined;
}

/**
 * The newest release of each release and EOL branch among the tags (`v4.5.7`), matched on
 * major.minor exactly; a stable release beats any pre-release, which counts only when a branch
 * has nothing else yet.
 */
export function latestPerBranch(tags: readonly string[], branches: readonly ReleaseBranch[]): Map<string, string> {
  const byBranch = new Map<string, semver.SemVer[]>();
  for (const tag of tags) {
    const v = semver.parse(tag.replace(/^v/, ""));
    if (v === null) continue;
    const key = `${v.major}.${v.minor}`;
    byBranch.set(key, [...(byBranch.get(key) ?? []), v]);
  }
  const latest = new Map<string, string>();
  for (const b of branches) {
    if (b.status === "main") continue;
    const versions = byBranch.get(b.branch) ?? [];
    const stable = versions.filter((v) => v.prerelease.length === 0);
    const best = (stable.length > 0 ? stable : versions).sort(semver.rcompare)[0];
    if (best !== undefined) latest.set(b.branch, best.version);
  }
  return latest;
}

export interface GithubUpdate {
  readonly via: string;
  readonly changes: readonly LatestChange[];
  /** Things a person should act on, such as a main branch GitHub has moved past. */
  readonly notes: readonly string[];
}

/** Each published release's version and day (`v4.5.7`, published 2026-11-03T…), from GitHub's release list; drafts and tags that are not versions left out. */
export function publishedReleases(releases: readonly unknown[]): ReleaseRow[] {
  return releases.flatMap((r) => {
    if (typeof r !== "object" || r === null) return [];
    const release = r as { tag_name?: unknown; draft?: unknown; published_at?: unknown };
    if (typeof release.tag_name !== "string" || release.draft === true || typeof release.published_at !== "string") return [];
    const version = semver.valid(release.tag_name.replace(/^v/, ""));
    const day = /^\d{4}-\d{2}-\d{2}/.exec(release.published_at)?.[0];
    return version === null || day === undefined || !isIsoDate(day) ? [] : [{ version, publishedOn: day }];
  });
}

export async function updateLatestFromGithub(store: Pick<Store, "query" | "transaction">, github: GithubReader): Promise<GithubUpdate> {
  const [releases, versionRb] = await Promise.all([github.list(`${MASTODON_REPO}/releases`), github.raw(MASTODON_REPO, "lib/mastodon/version.rb")]);
  const tags = releases.flatMap((r) => {
    if (typeof r !== "object" || r === null) return [];
    const release = r as { tag_name?: unknown; draft?: unknown };
    return typeof release.tag_name === "string" && release.draft !== true ? [release.tag_name] : [];
  });
  // Patch velocity starts each release's curve on the day it was published.
  await store.transaction((query) => upsertReleases(query, publishedReleases(releases)));
  const branches = await readBranches(store.query);
  const latest = latestPerBranch(tags, branches);
  const notes: string[] = [];
  const main = branches.find((b) => b.status === "main");
  const mainVersion = parseVersionRb(versionRb);
  if (mainVersion === undefined) notes.push("lib/mastodon/version.rb did not give a version; the main branch keeps its latest");
  else if (main !== undefined) {
    const v = semver.parse(mainVersion)!;
    if (`${v.major}.${v.minor}` === main.branch) latest.set(main.branch, mainVersion);
    else notes.push(`GitHub's main branch is at ${mainVersion} but the tracked main branch is ${main.branch}: promote it when ${main.branch}.0 is released`);
  }
  const changes = await setLatest(store, latest);
  return { via: github.via, changes, notes };
}
