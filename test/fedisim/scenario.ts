/**
 * A scenario: N simulated domains drawn from the behaviour catalogue by a
 * seeded generator (the same seed gives the same scenario), with a latency
 * per domain and a peers graph between the Mastodon servers.
 */
import { domainToASCII } from "node:url";
import { type Draft, type Draw, FAMILIES, type Family, HOSTILE_FAMILIES, hugePeersServer, isUnlisted } from "./families.ts";
import { generatedPeer } from "./respond.ts";
import { Random } from "./random.ts";
import type { DomainSpec, Truth } from "./spec.ts";

export interface ScenarioOptions {
  /** Listed domains to generate (backend hosts and alias targets count). */
  readonly domains: number;
  readonly seed: number;
  /** Latency added to every response; `{ medianMs: 0 }` for none. @default { medianMs: 40, p99Ms: 1500 } */
  readonly latency?: { readonly medianMs: number; readonly p99Ms?: number };
  /** Only these families (by name, hostile ones too), e.g. to build a focused test. @default every family, by weight */
  readonly families?: readonly string[];
  /**
   * The share of listed domains (0 to 1) drawn from the hostile families (HOSTILE_FAMILIES), each
   * at least once when there is room. Ignored with `families`. @default 0
   */
  readonly hostile?: number;
  /** Include the server with a 1,000,000-entry peers list. @default domains >= 1000 */
  readonly hugePeers?: boolean;
  /** Entries in the huge list. @default 1_000_000 */
  readonly hugePeersCount?: number;
}

export interface Scenario {
  readonly options: ScenarioOptions;
  /** Every domain the simulator serves, listed or not, by A-label. */
  readonly byAscii: ReadonlyMap<string, DomainSpec>;
  /** The domains of domains.txt and truth.jsonl, in generation order. */
  readonly listed: readonly DomainSpec[];
}

/** Longest latency a domain is given; below the crawler's default 5 s request timeout. */
export const MAX_LATENCY_MS = 4000;

const WORDS = ["mastodon", "social", "toot", "fedi", "mstdn", "masto", "chaos", "tech", "art", "news", "photo", "music", "queer", "science", "city", "linux", "games", "book", "code", "hub"];
const TLDS = ["social", "online", "xyz", "de", "jp", "fr", "net", "org", "com", "io", "cloud", "space", "town", "world", "zone", "club", "nl", "es", "it", "ca", "uk", "ch", "at", "be", "ws"];
const IDN = ["bücher", "straße", "café", "日本", "🍕", "ñandú", "мастодон", "γειά"];

export function generateScenario(options: ScenarioOptions): Scenario {
  const rng = new Random(options.seed);
  const names = new Set<string>();
  const latency = options.latency ?? { medianMs: 40, p99Ms: 1500 };
  let counter = 0;

  const draw: Draw = {
    rng: rng.fork("behaviour"),
    newName({ idn = false, exact, prefix } = {}) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const n = (counter++).toString(36);
        const word = prefix ?? rng.pick(WORDS);
        const label = idn ? `${rng.pick(IDN)}${n}` : prefix === undefined && rng.chance(0.15) ? `${word}.${rng.pick(WORDS)}${n}` : `${word}-${n}`;
        const name = exact ?? `${label}.${rng.pick(TLDS)}`;
        const ascii = domainToASCII(name);
        if (ascii === "" || names.has(ascii)) continue;
        names.add(ascii);
        return { name, ascii };
      }
      throw new Error("fedisim: could not find a fresh domain name in 100 attempts");
    },
    // Capped below the default 5 s request timeout: a slow but healthy server must stay healthy in the truth.
    latency: () => (latency.medianMs <= 0 ? 0 : Math.min(MAX_LATENCY_MS, Math.round(rng.logNormal(latency.medianMs, latency.p99Ms ?? latency.medianMs * 30)))),
  };

  const named = options.families;
  const families = named === undefined ? FAMILIES : [...FAMILIES, ...HOSTILE_FAMILIES].filter((f) => named.includes(f.name));
  if (families.length === 0) throw new Error(`fedisim: no family among ${JSON.stringify(named)}`);
  const hostile = named === undefined ? (options.hostile ?? 0) : 0;
  if (!(hostile >= 0 && hostile <= 1)) throw new RangeError(`fedisim: the hostile share must be from 0 to 1, not ${hostile}`);
  const pickOrdinary = weightedPicker(families, rng.fork("families"));
  // Drawn apart, so a scenario without a hostile share is the same as it always was for its seed.
  const hostileRng = rng.fork("hostile");
  const pickHostile = weightedPicker(HOSTILE_FAMILIES, hostileRng);
  const pickFamily = hostile === 0 ? pickOrdinary : () => (hostileRng.chance(hostile) ? pickHostile() : pickOrdinary());

  const drafts: Draft[] = [];
  const hugePeers = options.hugePeers ?? (options.domains >= 1000 && options.families === undefined);
  if (hugePeers) drafts.push(hugePeersServer(draw));
  // Every family at least once (when asked for by name, or when there is room: twice as many
  // domains as families), then the rest by weight; so a 2,000-domain scenario covers them all.
  const queue = named !== undefined || options.domains >= 2 * families.length ? [...families] : [];
  if (hostile > 0 && options.domains >= 2 * (families.length + HOSTILE_FAMILIES.length)) queue.push(...HOSTILE_FAMILIES);
  let listedCount = countListed(drafts);
  while (queue.length > 0 || listedCount < options.domains) {
    const fromQueue = queue.shift();
    const built = (fromQueue ?? pickFamily()).build(draw);
    const adds = countListed(built);
    // Drawn by weight, a pair that would overshoot the requested size is drawn again: N means N.
    if (fromQueue === undefined && listedCount + adds > options.domains) continue;
    drafts.push(...built);
    listedCount += adds;
  }

  const specs = attachPeers(drafts, rng.fork("peers"), options.hugePeersCount ?? 1_000_000);
  const byAscii = new Map(specs.map((s) => [s.ascii, s]));
  const listed = specs.filter((s, i) => !isUnlisted(drafts[i]!));
  return { options, byAscii, listed };
}

function countListed(drafts: readonly Draft[]): number {
  return drafts.filter((d) => !isUnlisted(d)).length;
}

function weightedPicker(families: readonly Family[], rng: Random): () => Family {
  const total = families.reduce((sum, f) => sum + f.weight, 0);
  return () => {
    let x = rng.next() * total;
    for (const f of families) {
      x -= f.weight;
      if (x < 0) return f;
    }
    return families.at(-1)!;
  };
}

/**
 * Mastodon servers publish peers: other simulated domains (some in upper case or with spaces
 * around, as real lists have) and garbage a correct `fetch` must refuse. Truth lists what it
 * admits: lower-cased, trimmed, deduplicated, in the form served.
 */
function attachPeers(drafts: readonly Draft[], rng: Random, hugeCount: number): DomainSpec[] {
  const known = drafts.filter((d) => !isUnlisted(d)).map((d) => d.name);
  return drafts.map((draft) => {
    const { servesPeers, ...spec } = draft;
    if (!servesPeers) return { ...spec, truth: spec.truth as Truth };
    if (spec.family === "mastodon-huge-peers") {
      return { ...spec, peers: { generated: hugeCount }, truth: { ...spec.truth, peers_count: hugeCount } };
    }
    const list: unknown[] = [];
    const admitted = new Set<string>();
    const size = Math.min(known.length, Math.round(rng.logNormal(8, 150)));
    for (let i = 0; i < size; i++) {
      const peer = rng.pick(known);
      if (peer === draft.name) continue;
      const served = rng.chance(0.05) ? peer.toUpperCase() : rng.chance(0.03) ? ` ${peer} ` : peer;
      list.push(served);
      admitted.add(peer);
    }
    if (rng.chance(0.3)) {
      const sample = known.length > 0 ? rng.pick(known) : "example.social";
      list.push(...garbage(sample, rng));
    }
    return { ...spec, peers: { list }, truth: { ...spec.truth, peers: [...admitted].sort() } };
  });
}

/** Entries a correct admission refuses: addresses, ports, paths, accounts, bad lengths, unknown TLDs, non-strings. */
function garbage(sample: string, rng: Random): unknown[] {
  const all: unknown[] = [
    "10.1.2.3",
    "2001:db8::1",
    "[2001:db8::1]",
    `${sample}:8443`,
    `${sample}/about`,
    `https://${sample}`,
    `alice@${sample}`,
    `bad host.${sample}`,
    `${"a".repeat(64)}.social`,
    `${"abc.".repeat(70)}social`,
    "name.notatld",
    "localhost",
    "",
    12345,
    null,
    { domain: sample },
  ];
  return all.filter(() => rng.chance(0.5));
}

export { generatedPeer };
