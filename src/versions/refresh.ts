/**
 * One refresh from GitHub: each tracked branch's latest version, then the
 * security advisories. Returns lines for the log; throws (VmcrawlError
 * "GITHUB") when GitHub cannot be read, having changed nothing of that part.
 */
import type { Store } from "../store/types.ts";
import { importAdvisories } from "./advisories.ts";
import type { GithubReader } from "./github.ts";
import { updateLatestFromGithub } from "./update.ts";

export async function refreshFromGithub(store: Pick<Store, "query" | "transaction">, github: GithubReader, now: Date): Promise<string[]> {
  const update = await updateLatestFromGithub(store, github);
  const lines = [
    update.changes.length === 0
      ? `versions: every branch is up to date (${github.via})`
      : `versions: ${update.changes.map((c) => `${c.branch} ${c.from} → ${c.to}`).join(", ")} (${github.via})`,
    ...update.notes.map((n) => `versions: ${n}`),
  ];
  const advisories = await importAdvisories(store, github, now);
  const unsure = advisories.needsReview.length === 0 ? "" : `; affected versions unsure for ${advisories.needsReview.join(", ")} (set an override)`;
  lines.push(`advisories: ${advisories.imported} read${unsure}`);
  return lines;
}
