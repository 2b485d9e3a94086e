/**
 * A generated population of published servers for statistics and API tests, and an
 * independent computation of what the figures must be: its own version parsing and ordering,
 * not semver and not placeVersion, so a bug there cannot hide in both.
 */
// The seeded branches (sql/*/002_seed_versions.sql), written out again here on purpose.
export const BRANCHES = [
  { branch: "4.6", role: "main", latest: "4.6.0-alpha.4" },
  { branch: "4.5", role: "latest", latest: "4.5.6" },
  { branch: "4.4", role: "previous", latest: "4.4.13" },
  { branch: "4.3", role: "deprecated", latest: "4.3.19" },
  { branch: "4.2", role: "eol", latest: "4.2.29" },
  { branch: "4.1", role: "eol", latest: "4.1.22" },
  { branch: "4.0", role: "eol", latest: "4.0.15" },
] as const;

export interface Server {
  domain: string;
  version: string | null;
  mau: number | null;
  timestamp: string;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function population(count: number, now: Date, seed = 2026): Server[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rnd();
    let version: string | null;
    if (kind < 0.03) version = null;
    else if (kind < 0.05) version = pick(["3.5.17", "3.4.1", "2.9.0"]); // older than every tracked branch: EOL
    else if (kind < 0.07) version = pick(["4.10.0", "4.10.3", "5.0.0"]); // newer than tracked: not placed (4.10 is not 4.1)
    else if (kind < 0.12) version = pick(["4.6.0-alpha.3", "4.6.0-alpha.4", "4.6.0-alpha.5", "4.6.0-beta.1", "4.6.0-rc.1"]);
    else {
      const b = pick(BRANCHES.slice(1));
      const [major, minor, patch] = b.latest.split(".").map(Number) as [number, number, number];
      const p = Math.max(0, patch + pick([-3, -1, 0, 0, 0, 1]));
      version = `${major}.${minor}.${p}${rnd() < 0.1 ? pick(["-rc.1", "-beta.2"]) : ""}`;
    }
    const mau = rnd() < 0.04 ? null : Math.floor(rnd() ** 3 * 20_000);
    // Mostly answered within 3 days; some not (they do not count), a few right at the edge.
    const ageDays = rnd() < 0.1 ? 3 + rnd() * 4 : rnd() < 0.02 ? 2.999 : rnd() * 2.9;
    servers.push({ domain: `s${i}.example`, version, mau, timestamp: new Date(now.getTime() - ageDays * 86_400_000).toISOString() });
  }
  return servers;
}

/** X.Y.Z or X.Y.Z-label.N, compared by hand: numbers first, a pre-release before its release. */
export function parse(version: string): { core: [number, number, number]; pre: [string, number] | undefined } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-(alpha|beta|rc)\.(\d+))?$/.exec(version);
  if (!m) return undefined;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] === undefined ? undefined : [m[4], Number(m[5])] };
}

export function atLeast(version: string, latest: string): boolean {
  const a = parse(version)!;
  const b = parse(latest)!;
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return a.core[i]! > b.core[i]!;
  if (a.pre === undefined) return true;
  if (b.pre === undefined) return false;
  const order = ["alpha", "beta", "rc"];
  if (a.pre[0] !== b.pre[0]) return order.indexOf(a.pre[0]) > order.indexOf(b.pre[0]);
  return a.pre[1] >= b.pre[1];
}

export function expected(servers: readonly Server[], now: Date): Record<string, number> {
  const since = now.getTime() - 3 * 86_400_000;
  const counted = servers.filter((s) => Date.parse(s.timestamp) >= since);
  const c: Record<string, number> = { instances: counted.length, mau: 0, patched_instances: 0, patched_mau: 0 };
  for (const role of ["main", "latest", "previous", "deprecated", "eol"]) {
    c[`${role}_instances`] = 0;
    c[`${role}_branch_mau`] = 0;
    if (role !== "eol") {
      c[`${role}_patched_instances`] = 0;
      c[`${role}_patched_mau`] = 0;
    }
  }
  c.unique_versions = new Set(counted.map((s) => s.version).filter((v) => v !== null)).size;
  for (const s of counted) {
    const mau = s.mau ?? 0;
    c.mau! += mau;
    if (s.version === null) continue;
    const parsed = parse(s.version)!;
    const key = `${parsed.core[0]}.${parsed.core[1]}`;
    const branch = BRANCHES.find((b) => b.branch === key);
    const older = parsed.core[0] < 4;
    if (branch === undefined && !older) continue;
    const role = branch?.role ?? "eol";
    c[`${role}_instances`]! += 1;
    c[`${role}_branch_mau`]! += mau;
    if (role !== "eol" && atLeast(s.version, branch!.latest)) {
      c[`${role}_patched_instances`]! += 1;
      c[`${role}_patched_mau`]! += mau;
      c.patched_instances! += 1;
      c.patched_mau! += mau;
    }
  }
  return c;
}


/** The per-version counts of the same day, computed independently: counted servers grouped by version, sorted by version. */
export function expectedVersions(servers: readonly Server[], now: Date): { version: string; branch: string; instances: number; mau: number }[] {
  const since = now.getTime() - 3 * 86_400_000;
  const byVersion = new Map<string, { version: string; branch: string; instances: number; mau: number }>();
  for (const s of servers) {
    if (Date.parse(s.timestamp) < since || s.version === null) continue;
    const parsed = parse(s.version)!;
    const row = byVersion.get(s.version) ?? { version: s.version, branch: `${parsed.core[0]}.${parsed.core[1]}`, instances: 0, mau: 0 };
    row.instances += 1;
    row.mau += s.mau ?? 0;
    byVersion.set(s.version, row);
  }
  return [...byVersion.values()].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}
