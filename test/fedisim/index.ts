/**
 * fedisim: a simulated fediverse of real servers on loopback (DESIGN §7).
 *
 *   await using sim = await startFedisim(generateScenario({ domains: 2000, seed: 1 }));
 *   // point vmcrawl at it with sim.crawlerEnv; compare what it stores with sim.truth()
 *
 * The crawler reaches it only through its public configuration: DNS servers,
 * an extra CA, the private-IP allowance for the simulator's own addresses, and
 * the HTTPS port.
 */
import { ianaFile, scenarioTlds, TLD_HOST, TLD_PATH, TLD_URL } from "./tlds.ts";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isIPv4 } from "node:net";
import { CertificateAuthorities, certificateGroups } from "./ca.ts";
import { type DnsAnswer, type DnsServer, startDns } from "./dns.ts";
import { type HttpsServers, startHttps } from "./https.ts";
import { RequestLog } from "./log.ts";
import type { Scenario } from "./scenario.ts";
import type { AddressRole, DomainSpec, FileReply, Truth } from "./spec.ts";

export { generateScenario, type Scenario, type ScenarioOptions } from "./scenario.ts";
export type { DomainSpec, FileReply, Truth } from "./spec.ts";
export type { RequestRecord } from "./log.ts";

export interface FedisimOptions {
  /** HTTPS port on every simulator address; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The main address; the others follow it (+1 TLS 1.0 server, +2 refused, +98 forbidden). @default 127.0.0.1 */
  readonly bind?: string;
  /** Multiplies every domain's latency (0: none). @default 1 */
  readonly latencyScale?: number;
  /** Where ca.pem goes (and the files of `writeFiles`). @default a new temp dir, removed on close */
  readonly dir?: string;
  /** Keep a request log (tests of courtesy); off for large benchmarks. @default true */
  readonly logRequests?: boolean;
  /** Plain file hosts beside the scenario (host → path → body), such as a TLD list: what the crawler reads from outside sources. */
  readonly files?: Readonly<Record<string, Readonly<Record<string, FileReply>>>>;
  /**
   * Issue every domain's certificate before serving, as real servers have theirs before a crawler
   * comes; otherwise each is issued at its first handshake. For benchmarks, where every domain is
   * visited once and issuing would take the simulator's CPU from the crawler's. @default false
   */
  readonly certificatesUpfront?: boolean;
}

export interface Fedisim extends AsyncDisposable {
  /** What it serves now (`serve` swaps it). */
  readonly scenario: Scenario;
  readonly addresses: Readonly<Record<AddressRole, string>>;
  readonly dns: { readonly host: string; readonly port: number };
  readonly httpsPort: number;
  readonly caFile: string;
  readonly dir: string;
  readonly requests: RequestLog;
  /** TCP connections to the HTTPS servers open now. */
  openConnections(): number;
  readonly dnsQueries: DnsServer["queries"];
  readonly authorities: CertificateAuthorities;
  /** The VMCRAWL_* settings that point vmcrawl at this simulator. */
  readonly crawlerEnv: Readonly<Record<string, string>>;
  /** Ground truth of every listed domain, in domains.txt order. */
  truth(): Truth[];
  /** Writes crawler.env, domains.txt, truth.jsonl, hosts and ca.pem into `dir`. */
  writeFiles(dir?: string): void;
  /**
   * Serves another scenario over the same domains from now on: the same servers on another day
   * (population.ts). Other names would need certificates, DNS and a TLD list it never made.
   */
  serve(next: Scenario): void;
  /** Replaces what one plain file host answers (GitHub's releases as they stand on a simulated day). */
  serveFiles(host: string, files: Readonly<Record<string, FileReply>>): void;
  close(): Promise<void>;
}

export async function startFedisim(scenario: Scenario, options: FedisimOptions = {}): Promise<Fedisim> {
  const addresses = addressPlan(options.bind ?? "127.0.0.1");
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "fedisim-"));
  mkdirSync(dir, { recursive: true });
  const authorities = new CertificateAuthorities();
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, authorities.trusted.certPem);
  const requests = new RequestLog({ limit: options.logRequests === false ? 0 : undefined });
  // The TLD list `fetch` admits peers by is served too; a caller's files for the same host come on top.
  const files: Record<string, Readonly<Record<string, FileReply>>> = { [TLD_HOST]: { [TLD_PATH]: ianaFile(scenarioTlds(scenario)) } };
  for (const [host, served] of Object.entries(options.files ?? {})) files[host] = { ...files[host], ...served };
  const fileHosts = new Map(Object.entries(files).map(([host, served]) => [host, fileHost(host, served)]));
  let current = scenario;
  const lookup = (ascii: string) => current.byAscii.get(ascii) ?? fileHosts.get(ascii);
  const groups = certificateGroups(scenario.byAscii.values());
  const certificateGroup = (ascii: string) => groups.get(ascii) ?? { id: `single ${ascii}`, names: [ascii] };
  if (options.certificatesUpfront === true) {
    for (const spec of scenario.byAscii.values()) if (spec.tls !== "stall") authorities.context(certificateGroup(spec.ascii), spec.tls);
  }

  let dns: DnsServer | undefined;
  let https: HttpsServers | undefined;
  try {
    dns = await startDns((name, type) => dnsAnswer(lookup(name), type, addresses), addresses.main, { logQueries: options.logRequests !== false });
    https = await startHttps({ mainHost: addresses.main, tls10Host: addresses.tls10, port: options.port ?? 0, lookup, authorities, certificateGroup, log: requests, latencyScale: options.latencyScale });
  } catch (err) {
    await dns?.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const crawlerEnv = {
    VMCRAWL_DNS_SERVERS: `${addresses.main}:${dns.port}`,
    VMCRAWL_CA_FILE: caFile,
    // Exactly the simulator's own addresses: the forbidden one (and every other private range) stays blocked.
    VMCRAWL_ALLOW_PRIVATE_IPS: [addresses.main, addresses.tls10, addresses.refused].map((a) => `${a}/32`).join(","),
    VMCRAWL_HTTPS_PORT: String(https.port),
    VMCRAWL_TLD_URL: TLD_URL,
  };
  const servers = { dns, https };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all([servers.dns.close(), servers.https.close()]);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const truth = () => current.listed.map((s) => s.truth);

  return {
    get scenario() {
      return current;
    },
    addresses,
    dns: { host: addresses.main, port: dns.port },
    httpsPort: https.port,
    caFile,
    dir,
    requests,
    openConnections: () => servers.https.openConnections(),
    dnsQueries: dns.queries,
    authorities,
    crawlerEnv,
    truth,
    writeFiles(out = dir) {
      writeScenarioFiles(out, { scenario: current, crawlerEnv, caPem: authorities.trusted.certPem, addresses, truth: truth() });
    },
    serve(next) {
      const names = (s: Scenario) => [...s.byAscii.keys()].sort().join("\n");
      if (names(next) !== names(current)) throw new Error("fedisim: serve() takes a scenario of the same domains");
      current = next;
    },
    serveFiles(host, served) {
      fileHosts.set(host, fileHost(host, served));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function fileHost(host: string, files: Readonly<Record<string, FileReply>>): DomainSpec {
  return {
    name: host,
    ascii: host,
    family: "files",
    dns: "ok",
    address: "main",
    tls: "ok",
    latencyMs: 0,
    robots: { status: 404, body: "" },
    nodeinfo: "absent",
    files,
    truth: { domain: host, kind: "error", round_trips: 0 },
  };
}

function dnsAnswer(spec: DomainSpec | undefined, type: "A" | "AAAA" | "OTHER", addresses: Record<AddressRole, string>): DnsAnswer {
  if (spec === undefined || spec.dns === "nxdomain") return { kind: "nxdomain" };
  if (spec.dns === "servfail") return { kind: "servfail" };
  if (spec.dns === "timeout") return { kind: "timeout" };
  // IPv4 only: AAAA gets an empty answer, as for most small servers.
  return type === "A" ? { kind: "address", addresses: [addresses[spec.address]] } : { kind: "nodata" };
}

/** The simulator's addresses, all loopback; `forbidden` is loopback too but outside the crawler's allow-list. */
export function addressPlan(bind: string): Record<AddressRole, string> {
  if (!isIPv4(bind) || !bind.startsWith("127.")) throw new Error(`fedisim: --bind must be an IPv4 loopback address (127.x.y.z), not ${bind}`);
  const parts = bind.split(".").map(Number);
  const at = (offset: number) => {
    const last = parts[3]! + offset;
    if (last > 254) throw new Error(`fedisim: --bind ${bind} leaves no room for the simulator's other addresses (it needs up to +98 in the last byte)`);
    return [parts[0], parts[1], parts[2], last].join(".");
  };
  return { main: bind, tls10: at(1), refused: at(2), forbidden: at(98) };
}

function writeScenarioFiles(
  dir: string,
  input: { scenario: Scenario; crawlerEnv: Record<string, string>; caPem: string; addresses: Record<AddressRole, string>; truth: Truth[] },
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ca.pem"), input.caPem);
  const env = { ...input.crawlerEnv, VMCRAWL_CA_FILE: join(dir, "ca.pem") };
  writeFileSync(join(dir, "crawler.env"), `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
  writeFileSync(join(dir, "domains.txt"), `${input.scenario.listed.map((s) => s.name).join("\n")}\n`);
  writeFileSync(join(dir, "truth.jsonl"), `${input.truth.map((t) => JSON.stringify(t)).join("\n")}\n`);
  const hosts = [...input.scenario.byAscii.values()].filter((s) => s.dns === "ok").map((s) => `${input.addresses[s.address]} ${s.ascii}`);
  writeFileSync(join(dir, "hosts"), `${hosts.join("\n")}\n`);
}
