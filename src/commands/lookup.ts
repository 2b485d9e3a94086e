/** `vmcrawl --db DOMAIN`: everything known about one domain, without crawling. */
import type { Runtime } from "../cli.ts";
import type { DomainName } from "../net/domain.ts";
import { describeStorage } from "../store/index.ts";
import type { DomainReport, Row } from "../store/types.ts";
import { printable } from "../text.ts";
import { println, withStore } from "./_shared.ts";

export async function lookupDomain(runtime: Runtime, domain: DomainName): Promise<void> {
  const report = await withStore(runtime, (store) => store.describeDomain(domain));
  println(runtime, renderDomainReport(report, describeStorage(runtime.config())));
}

export function renderDomainReport(report: DomainReport, storage: string): string {
  const { domain } = report;
  const spellings = domain.ascii === domain.unicode ? domain.ascii : `${domain.unicode} (${domain.ascii})`;
  const lines = [`${spellings} in ${storage}`];
  if (report.raw.length === 0 && report.mastodon.length === 0 && report.dni.length === 0 && report.lastError === null) {
    lines.push("", `Nothing is known about ${domain.name}: it is in neither raw_domains nor mastodon_domains.`);
    return lines.join("\n");
  }
  section(lines, "raw_domains", report.raw, "no row: never fetched or targeted");
  section(lines, "mastodon_domains", report.mastodon, "no row: not a published Mastodon server");
  section(lines, "dni", report.dni, "not on the DNI list");
  section(lines, "error_log (latest)", report.lastError === null ? [] : [report.lastError], "no errors recorded");
  return lines.join("\n");
}

function section(lines: string[], title: string, rows: readonly Row[], empty: string): void {
  lines.push("", title);
  if (rows.length === 0) {
    lines.push(`  (${empty})`);
    return;
  }
  rows.forEach((row, i) => {
    if (i > 0) lines.push("  --");
    const width = Math.max(...Object.keys(row).map((column) => column.length));
    for (const [column, value] of Object.entries(row)) lines.push(`  ${column.padEnd(width)}  ${value === null ? "NULL" : printable(String(value))}`);
  });
}
