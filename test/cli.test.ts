import Database from "better-sqlite3";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { migrations } from "../src/store/migrations.ts";
import { cli, tempHome } from "./support/cli.ts";

let home: string;
beforeEach(() => {
  home = tempHome();
});
const run = (argv: string[], env: Record<string, string> = {}) => cli(argv, { home, env });
const dbPath = () => join(home, ".local/share/vmcrawl/vmcrawl.db");

describe("help and version", () => {
  it("prints usage with every command and crawl flag, exit 0", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    for (const word of ["crawl", "fetch", "probe", "manage", "sync", "stats", "serve", "db", "--new", "--target", "--file", "--db", "--mode", "--version"]) {
      expect(stdout).toContain(word);
    }
    expect(stdout).toContain("0–5, 10, 20–32, 50–53, 60–72");
  });

  it("keeps colour codes out of help that is not going to a terminal", async () => {
    expect((await run(["--help"])).stdout).not.toMatch(/\x1b\[/);
  });

  it.each([
    [["fetch", "--help"], ["vmcrawl fetch", "--target", "--limit", "--offset", "--random", "--no-crawl", "then crawl the new ones"]],
    [["db", "migrate", "--help"], ["vmcrawl db migrate", "Create or upgrade the database schema"]],
    [["db", "--help"], ["vmcrawl db", "migrate"]],
    [["sync", "-h"], ["vmcrawl sync", "--status", "Push results staged in local SQLite to PostgreSQL"]],
    [["manage", "--help"], ["vmcrawl manage", "dni", "nightly", "versions", "requeue", "a menu on a terminal"]],
    [["manage", "dni", "--help"], ["vmcrawl manage dni", "import", "remove"]],
  ])("vmcrawl %j prints the command's own usage", async (argv, words) => {
    const { code, stdout } = await run(argv);
    expect(code).toBe(0);
    for (const word of words) expect(stdout).toContain(word);
  });

  it("--help works even when the configuration is bad", async () => {
    expect((await run(["--help"], { VMCRAWL_MAX_THREADS: "abc" })).code).toBe(0);
  });

  it("--version prints the package version", async () => {
    const { code, stdout } = await run(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`vmcrawl ${pkg.version}\n`);
  });

  it("--version --verbose names the pinned Node, SQLite and the bundled libraries", async () => {
    const { code, stdout } = await run(["--version", "--verbose"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`node ${process.version}`);
    expect(stdout).toMatch(/^sqlite 3\.\d+\.\d+$/m);
    expect(stdout).toContain(`better-sqlite3 ${pkg.dependencies["better-sqlite3"]}`);
    expect(process.version).toMatch(/^v24\./);
  });

  it("--verbose alone is a usage error", async () => {
    const { code, stderr } = await run(["--verbose"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--verbose only goes with --version");
  });
});

describe("argument rules", () => {
  it.each([
    [["--tagret", "a.example"], /unknown option --tagret for "vmcrawl"/],
    [["fetch", "--new"], /unknown option --new for "vmcrawl fetch"/],
    [["launch"], /unknown command "launch"/],
    [["--new", "fetch"], /put options after the command name/],
    [["db"], /"vmcrawl db" needs a subcommand/],
    [["db", "drop"], /unknown command "drop"/],
    [["sync", "extra"], /"vmcrawl sync" takes no argument "extra"/],
    [["--db", "a.example", "--new"], /--db looks up one domain and cannot be combined with --new/],
    [["--db", "a.example", "--target", "b.example"], /cannot be combined with --target/],
    [["--file", "list.txt", "--target", "a.example"], /--target and --file each choose which domains to crawl; use only one of them/],
    [["--new", "--mode", "3"], /--new and --mode each choose/],
    [["--mode", "6"], /--mode "6" is not a crawl menu option: expected one of 0–5, 10, 20–32, 50–53, 60–72/],
    [["--mode", "73"], /not a crawl menu option/],
    [["--mode", "three"], /not a crawl menu option/],
    [["--target", ""], /--target needs a domain name|--target needs one or more domain names/],
    [["--target", ",,"], /--target needs one or more domain names separated by commas/],
    [["--target", "https://mas.to/"], /--target "https:\/\/mas.to\/" is not a domain name: give the domain name only, without a scheme/],
    [["--target", "mas.to,10.0.0.1"], /"10.0.0.1" is not a domain name: it is an IP address/],
    [["--target", "localhost"], /"localhost" is not a domain name: it has no dot/],
    [["--db", "mas.to:443"], /without a port/],
    [["--db"], /--db needs a domain name/],
    [["--file", ""], /--file needs a path/],
    [["fetch", "--target", "a.example", "--limit", "5"], /--target fetches from one server and cannot be combined with --limit/],
    [["fetch", "--target", "a.example", "--offset", "5"], /cannot be combined with --offset/],
    [["fetch", "--target", "a.example", "--random"], /cannot be combined with --random/],
    [["fetch", "--random", "--offset", "2"], /--random picks servers at random and cannot be combined with --offset/],
    [["fetch", "--limit", "0"], /--limit "0" is not valid: expected a whole number of at least 1/],
    [["fetch", "--limit", "ten"], /--limit "ten" is not valid/],
    [["fetch", "--offset", "-1"], /--offset "-1" is not valid: expected a whole number of at least 0/],
    [["probe"], /name at least one domain, or --file PATH/],
    [["probe", "https://mas.to"], /"https:\/\/mas.to" is not a domain name/],
    [["probe", "--file", "/nonexistent/domains.txt"], /--file \/nonexistent\/domains.txt cannot be read \(ENOENT\)/],
    [["stats", "--days", "0"], /--days "0" is not valid: expected a whole number from 1 to 3650/],
    [["stats", "--json", "--csv"], /--json and --csv each choose the output; use one/],
    [["serve", "--listen", "8080"], /--listen "8080" is not valid: expected host:port, such as 127\.0\.0\.1:8080 or \[::1\]:8080/],
    [["serve", "--listen", "127.0.0.1:70000"], /--listen "127\.0\.0\.1:70000" is not valid/],
  ])("vmcrawl %j is refused with exit 2", async (argv, message) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Run "vmcrawl[a-z ]*--help" for usage\./);
    expect(existsSync(dbPath())).toBe(false);
  });
});

describe("sync in embedded mode", () => {
  it.each([[["sync"]], [["sync", "--status"]]])("vmcrawl %j says there is nothing to sync, exit 0", async (argv) => {
    const { code, stdout } = await run(argv);
    expect(code).toBe(0);
    expect(stdout).toBe(`Nothing to sync: no PostgreSQL is configured (embedded SQLite at ${dbPath()} is the whole database).\n`);
  });
});

describe("crawling, without any network", () => {
  it.each([[[]], [["crawl"]], [["--new"]], [["--mode", "53"]], [["--mode", "72"]]])("vmcrawl %j on an empty database crawls nothing and says so, exit 0", async (argv) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^vmcrawl: crawled 0 domains in [\d.]+ s \(nothing\); statistics for \d{4}-\d{2}-\d{2} recorded\n$/);
  });

  it("refuses a --file that cannot be read, exit 2", async () => {
    const { code, stderr } = await run(["--file", join(home, "missing.txt")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--file .*missing\.txt cannot be read \(ENOENT\)/);
  });

  it("reports lines of a --file that are not domains and skips them", async () => {
    writeFileSync(join(home, "list.txt"), "# a comment\n\nhttps://bad.example/x\nlocalhost\n");
    const { code, stderr } = await run(["--file", join(home, "list.txt")]);
    expect(code).toBe(0);
    expect(stderr).toContain(`list.txt:3: skipped "https://bad.example/x": give the domain name only, without a scheme such as https://`);
    expect(stderr).toContain(`list.txt:4: skipped "localhost": it has no dot`);
    expect(stderr).toMatch(/crawled 0 domains/);
  });

  it("says a menu selection in fleet mode needs PostgreSQL when it is away, and what works meanwhile (exit 1)", async () => {
    const { code, stderr } = await run(["--mode", "1"], { VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_POSTGRES_HOST: "127.0.0.1", VMCRAWL_POSTGRES_PORT: "1" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/vmcrawl: a menu selection in fleet mode reads PostgreSQL at 127\.0\.0\.1:1\/census, which is not reachable; --target and --file crawl into the staging file meanwhile\n$/);
  });

  it.each([
    [["--list"], /--list prints a menu selection: give it --new or --mode N/],
    [["--list", "--target", "a.example"], /--list prints a menu selection: give it --new or --mode N/],
    [["--db", "a.example", "--list"], /--db looks up one domain and cannot be combined with --list/],
  ])("refuses %j (exit 2)", async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("bad configuration", () => {
  it.each([[[]], [["fetch"]], [["--db", "example.social"]], [["db", "migrate"]], [["manage"]]])(
    "vmcrawl %j stops with one line and exit 2, before touching the database",
    async (argv) => {
      const { code, stdout, stderr } = await run(argv, { VMCRAWL_POSTGRES_DATA: "census", VMCRAWL_POSTGRES_PORT: "99999" });
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe('vmcrawl: VMCRAWL_POSTGRES_PORT="99999" (from environment): expected a TCP port from 1 to 65535\n');
      expect(existsSync(dbPath())).toBe(false);
    },
  );

  it("prints configuration warnings on stderr and goes on", async () => {
    const { code, stderr } = await run(["--db", "example.social"], { VMCRAWL_MAX_THREAD: "4" });
    expect(code).toBe(0);
    expect(stderr).toBe("vmcrawl: warning: VMCRAWL_MAX_THREAD (from environment) is not a vmcrawl setting and is ignored; did you mean VMCRAWL_MAX_THREADS?\n");
  });

  it("reads .env from the working directory", async () => {
    writeFileSync(join(home, ".env"), "VMCRAWL_SQLITE_PATH=./from-dotenv.db\n");
    expect((await run(["db", "migrate"])).code).toBe(0);
    expect(existsSync(join(home, "from-dotenv.db"))).toBe(true);
  });
});

describe("db migrate and --db on the embedded store", () => {
  it("db migrate creates the schema once, then reports it up to date", async () => {
    const first = await run(["db", "migrate"]);
    expect(first.code).toBe(0);
    const known = migrations.sqlite;
    expect(first.stdout).toBe(`${known.map((m) => `Applied migration ${String(m.version).padStart(3, "0")}_${m.name}\n`).join("")}Schema is now at version ${known.length} in embedded SQLite at ${dbPath()}.\n`);
    expect(first.stdout).toContain("Applied migration 001_schema\nApplied migration 002_seed_versions\n");
    const second = await run(["db", "migrate"]);
    expect(second.stdout).toBe(`Schema is up to date at version ${known.length} in embedded SQLite at ${dbPath()}.\n`);
  });

  it("--db on a fresh database migrates it and says nothing is known", async () => {
    const { code, stdout } = await run(["--db", "Example.Social"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`example.social in embedded SQLite at ${dbPath()}\n\nNothing is known about example.social: it is in neither raw_domains nor mastodon_domains.\n`);
    const db = new Database(dbPath(), { readonly: true });
    expect(db.prepare("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: migrations.sqlite.length });
    db.close();
  });

  it("--db prints every column of raw_domains and mastodon_domains, with NULL shown", async () => {
    await run(["db", "migrate"]);
    const db = new Database(dbPath());
    db.prepare("INSERT INTO raw_domains (domain, first_seen, error_count, peers) VALUES ('mas.to', '2026-11-01T00:00:00.000Z', 0, 1)").run();
    db.prepare("INSERT INTO mastodon_domains (domain, software_version, full_version, active_users_monthly, nodeinfo, timestamp) VALUES ('mas.to', '4.5.6', '4.5.6+glitch', 12345, 'mastodon', '2026-11-22T10:00:00.000Z')").run();
    db.close();
    const { code, stdout } = await run(["--db", "mas.to"]);
    expect(code).toBe(0);
    expect(stdout).toContain("raw_domains\n  domain              mas.to\n  first_seen          2026-11-01T00:00:00.000Z\n  last_crawled_at     NULL\n");
    expect(stdout).toContain("  peers               true\n");
    expect(stdout).toContain("mastodon_domains\n  domain                mas.to\n  software_version      4.5.6\n  full_version          4.5.6+glitch\n  active_users_monthly  12345\n");
    expect(stdout).toContain("dni\n  (not on the DNI list)");
    expect(stdout).toContain("error_log (latest)\n  (no errors recorded)");
  });

  it("--db finds an IDN domain under either spelling, a parent DNI entry, and the latest error; escapes control characters", async () => {
    await run(["db", "migrate"]);
    const db = new Database(dbPath());
    db.prepare("INSERT INTO raw_domains (domain, error_type, error_reason) VALUES ('social.🍕.ws', 'HTTP5XX', ?)").run("503 \x1b[31mred\x1b[0m");
    db.prepare("INSERT INTO dni (domain, comment, force) VALUES ('xn--vi8h.ws', 'iftas-dni', 'hard')").run();
    db.prepare("INSERT INTO error_log (domain, error, error_type) VALUES ('social.🍕.ws', 'older', 'TCP')").run();
    db.prepare("INSERT INTO error_log (domain, error, error_type) VALUES ('social.🍕.ws', 'newest', 'HTTP5XX')").run();
    db.close();
    const { stdout } = await run(["--db", "social.xn--vi8h.ws"]);
    expect(stdout).toMatch(/^social\.🍕\.ws \(social\.xn--vi8h\.ws\) in embedded SQLite/);
    expect(stdout).toContain("error_reason        503 \\x1b[31mred\\x1b[0m");
    expect(stdout).not.toContain("\x1b");
    expect(stdout).toMatch(/dni\n {2}domain {5}xn--vi8h\.ws\n {2}comment {4}iftas-dni\n {2}force {6}hard/);
    expect(stdout).toMatch(/error_log \(latest\)\n[\s\S]*error +newest/);
  });

  it("refuses a database whose schema is newer than this binary", async () => {
    await run(["db", "migrate"]);
    const db = new Database(dbPath());
    db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    const { code, stderr } = await run(["--db", "mas.to"]);
    expect(code).toBe(1);
    expect(stderr).toBe(`vmcrawl: the database has schema migration 99 (future), which this vmcrawl does not know (it knows up to ${migrations.sqlite.length}); use a newer vmcrawl with this database\n`);
  });
});
