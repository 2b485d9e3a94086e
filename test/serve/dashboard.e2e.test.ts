/// <reference lib="dom" />
/**
 * The dashboard in a real headless Chromium (Debian's, through playwright-core): served by the
 * built binary from a SQLite file holding a generated population, loaded with no console
 * errors (CSP violations included), the headline numbers as computed independently, the
 * server list behind the key (asked for on the page), paged and searched. Screenshots at phone
 * and desktop widths go to test-results/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordSqliteStatistics } from "../../src/stats/sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { binary, requireBinary } from "../crawl/e2e.ts";
import { expected, population } from "../support/population.ts";
import { freePort } from "../support/ports.ts";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "dashboard-key-0123456789";
const ARTEFACTS = join(import.meta.dirname, "..", "..", "test-results");
const now = new Date();
const servers = population(600, now, 11);
const truth = expected(servers, now);
const listed = servers.filter((s) => Date.parse(s.timestamp) >= now.getTime() - 3 * 86_400_000);
const available = existsSync(CHROMIUM);
let child: ChildProcess | undefined;
let browser: Browser | undefined;
let base = "";

beforeAll(async () => {
  if (!available) {
    if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing (CI=true): apt-get install chromium (.ci/run does)`);
    return;
  }
  requireBinary();
  const home = mkdtempSync(join(tmpdir(), "vmcrawl-dashboard-"));
  const store = new SqliteStore(join(home, ".local/share/vmcrawl/vmcrawl.db"), { cacheDir: join(home, ".cache") });
  await store.migrate();
  for (const s of servers) await store.query("INSERT INTO mastodon_domains (domain, software_version, active_users_monthly, timestamp) VALUES (?, ?, ?, ?)", [s.domain, s.version, s.mau, s.timestamp]);
  for (let d = 5; d >= 0; d--) recordSqliteStatistics(store.crawl, new Date(now.getTime() - d * 86_400_000), 100);
  // Two branches' newest releases, published the day the first statistics were recorded: their adoption curves.
  const published = new Date(now.getTime() - 5 * 86_400_000).toISOString().slice(0, 10);
  await store.query("INSERT INTO releases (version, published_on) VALUES ('4.5.6', ?), ('4.5.5', ?), ('4.4.13', ?)", [published, published, published]);
  // An advisory 4.5.6 fixed, published with it: its exposure chart.
  await store.query(
    "INSERT INTO security_advisories (ghsa_id, cve_id, summary, severity, published_at, vulnerable_range, patched_versions, affected_spec, parse_status, updated_at) VALUES ('GHSA-dash', 'CVE-2026-0001', 'Dashboard', 'high', ?, '< 4.5.6', '4.5.6', '>=4.5.0-0 <4.5.6', 'ok', ?)",
    [`${published}T09:00:00Z`, now.toISOString()],
  );
  await store.close();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(binary, ["serve", "--listen", `127.0.0.1:${port}`], { env: { HOME: home, PATH: "/usr/bin:/bin", VMCRAWL_API_KEY: KEY } });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 15_000;
  while (!stderr.includes("serving the API") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!stderr.includes("serving the API")) throw new Error(`vmcrawl serve did not start: ${stderr}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  mkdirSync(ARTEFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  child?.kill("SIGTERM");
});

describe.skipIf(!available && process.env.CI !== "true")("the dashboard in Chromium", () => {
  it("loads without console errors, shows the headline numbers, asks for the key, pages and searches the servers", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.getElementById("servers")?.textContent !== "–");
    expect(await page.textContent("#servers")).toBe(truth.instances!.toLocaleString("en"));
    expect(await page.textContent("#users")).toBe(truth.mau!.toLocaleString("en"));
    expect(await page.textContent("#patched-servers")).toBe(`${((truth.patched_instances! / truth.instances!) * 100).toFixed(1)}%`);
    expect(await page.locator("#branches tbody tr").count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator("#history polyline").count()).toBe(2);
    // A chart per branch, newest first, with a curve per recent release (the security one marked).
    await page.waitForFunction(() => document.querySelectorAll("#velocity polyline").length > 0);
    expect(await page.locator("#velocity figcaption").allTextContents()).toEqual(["4.5", "4.4"]);
    expect(await page.locator("#velocity figure").nth(0).locator("polyline").count()).toBe(2);
    expect(await page.locator("#velocity .legend").allTextContents()).toEqual(["4.5.6 (security) 4.5.5 ", "4.4.13 "]);
    // The advisory's exposure: a point per recorded day since publication, drawn to the API's figures.
    const [exposed] = (await (await fetch(`${base}/exposure`)).json()) as { serverDays: number; points: { servers: number }[] }[];
    expect(exposed!.points.length).toBe(6);
    expect(await page.locator("#exposure polyline").count()).toBe(1);
    expect((await page.locator("#exposure polyline").getAttribute("points"))!.split(" ")).toHaveLength(6);
    expect(await page.textContent("#exposure-legend")).toBe(`CVE-2026-0001: ${exposed!.serverDays.toLocaleString("en")} server-days `);
    expect(await page.locator("#exposure text").nth(2).textContent()).toBe(Math.max(...exposed!.points.map((p) => p.servers)).toLocaleString("en"));

    // The list needs the key: the page asks for it (the browser's own 401 is expected, nothing else).
    await page.waitForSelector("#key-form:not([hidden])");
    await page.fill("#key", KEY);
    await page.click("#key-form button");
    await page.waitForFunction(() => document.querySelectorAll("#instances tbody tr").length === 25);
    expect(await page.isVisible("#key-form")).toBe(false);
    const pages = Math.ceil(listed.length / 25);
    expect(await page.textContent("#page")).toBe(`Page 1 of ${pages} (${listed.length.toLocaleString("en")} servers)`);
    const first = await page.locator("#instances tbody tr td").first().textContent();
    await page.click("#next");
    await page.waitForFunction(() => document.getElementById("page")?.textContent?.startsWith("Page 2 "));
    expect(await page.locator("#instances tbody tr td").first().textContent()).not.toBe(first);
    await page.fill("#search", "s12");
    const matching = listed.filter((s) => s.domain.includes("s12")).length;
    await page.waitForFunction((n) => document.getElementById("page")?.textContent?.includes(`(${n} servers)`), matching);
    await page.screenshot({ path: join(ARTEFACTS, "dashboard-desktop.png"), fullPage: true });

    const phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    phone.on("pageerror", (e) => problems.push(e.message));
    await phone.goto(`${base}/`);
    await phone.waitForFunction(() => document.getElementById("servers")?.textContent !== "–");
    // One column on a phone: nothing wider than the screen.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(ARTEFACTS, "dashboard-phone.png"), fullPage: true });
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  }, 60_000);
});
