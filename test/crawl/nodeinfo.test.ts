import { describe, expect, it } from "vitest";
import { readSoftware, readUsers, readWellKnown } from "../../src/crawl/nodeinfo.ts";

const rel = (v: string) => `http://nodeinfo.diaspora.software/ns/schema/${v}`;

describe("readWellKnown: which NodeInfo link to follow", () => {
  it("takes the newest schema, whatever the order", () => {
    const links = ["2.0", "2.2", "1.0", "2.1"].map((v) => ({ rel: rel(v), href: `https://x.example/nodeinfo/${v}` }));
    expect(readWellKnown({ links })).toEqual({ kind: "link", href: "https://x.example/nodeinfo/2.2", schema: "2.2" });
  });

  it("accepts a single link object (Lemmy) and capitalised keys", () => {
    expect(readWellKnown({ links: { rel: rel("2.0"), href: "https://l.example/nodeinfo/2.0" } })).toMatchObject({ kind: "link", href: "https://l.example/nodeinfo/2.0" });
    expect(readWellKnown({ Links: [{ Rel: rel("2.1"), Href: "https://c.example/ni" }] })).toMatchObject({ kind: "link", href: "https://c.example/ni", schema: "2.1" });
  });

  it("falls back to a link whose href looks like NodeInfo when no rel names a schema", () => {
    expect(readWellKnown({ links: [{ rel: "self", href: "https://a.example/users/a" }, { href: "https://a.example/nodeinfo/2.0" }] })).toMatchObject({ kind: "link", href: "https://a.example/nodeinfo/2.0", schema: undefined });
  });

  it("prefers a link with a schema over a bare /nodeinfo/ href", () => {
    expect(readWellKnown({ links: [{ href: "https://a.example/nodeinfo/x" }, { rel: rel("2.0"), href: "https://a.example/ni2" }] })).toMatchObject({ href: "https://a.example/ni2" });
  });

  it("recognises the document served directly, and Matrix", () => {
    expect(readWellKnown({ version: "2.0", software: { name: "mastodon" } })).toMatchObject({ kind: "document" });
    expect(readWellKnown({ "m.server": "matrix.example:443" })).toEqual({ kind: "matrix" });
  });

  it.each([
    [{ links: [] }, "NO_LINKS"],
    [{}, "NO_LINKS"],
    [{ links: [{ rel: rel("2.0") }] }, "NO_LINKS"],
    [{ links: [{ rel: "self", href: "https://a.example/x" }] }, "NO_LINKS"],
    [[], "INVALID"],
    ["text", "INVALID"],
    [null, "INVALID"],
  ])("%j is unusable: %s", (value, cause) => {
    expect(readWellKnown(value)).toMatchObject({ kind: "unusable", cause });
  });
});

describe("readSoftware", () => {
  it.each([
    [{ software: { name: "Mastodon", version: "4.5.6" } }, { name: "mastodon", version: "4.5.6" }],
    [{ software: { name: "Write Freely", version: "0.15.1" } }, { name: "write-freely", version: "0.15.1" }],
    [{ software: { name: " hometown ", version: 4 } }, { name: "hometown", version: undefined }],
    [{}, { name: "unknown", version: undefined }],
  ])("%j", (document, expected) => {
    expect(readSoftware(document)).toEqual(expected);
  });
});

describe("readUsers: counts a correct crawler publishes", () => {
  it("accepts non-negative whole numbers with monthly ≤ total, zero included, and usage.user", () => {
    expect(readUsers({ usage: { users: { total: 10, activeMonth: 3 } } })).toEqual({ ok: true, total: 10, activeMonth: 3 });
    expect(readUsers({ usage: { users: { total: 0, activeMonth: 0 } } })).toEqual({ ok: true, total: 0, activeMonth: 0 });
    expect(readUsers({ usage: { user: { total: 5, activeMonth: 5 } } })).toEqual({ ok: true, total: 5, activeMonth: 5 });
  });

  it.each([
    [{}, "NO_USAGE"],
    [{ usage: null }, "NO_USAGE"],
    [{ usage: { localPosts: 3 } }, "NO_USAGE"],
    [{ usage: { users: { total: 10 } } }, "USERS"],
    [{ usage: { users: { activeMonth: 1 } } }, "USERS"],
    [{ usage: { users: { total: 10, activeMonth: 11 } } }, "USERS"],
    [{ usage: { users: { total: 10, activeMonth: -1 } } }, "USERS"],
    [{ usage: { users: { total: "10", activeMonth: "1" } } }, "USERS"],
    [{ usage: { users: { total: 10.5, activeMonth: 1 } } }, "USERS"],
    [{ usage: { users: { total: null, activeMonth: null } } }, "USERS"],
  ])("%j → %s", (document, cause) => {
    expect(readUsers(document)).toMatchObject({ ok: false, cause });
  });
});
