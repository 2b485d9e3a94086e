import { describe, expect, it } from "vitest";
import { isAllowed, parseRobots, rulesFor } from "../../src/net/robots.ts";

const allowed = (text: string, agent: string, path: string) => isAllowed(rulesFor(parseRobots(text), agent), path);

// RFC 9309 §5.1
const RFC_EXAMPLE = `User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF`;

describe("RFC 9309 examples", () => {
  it.each([
    ["foobot", "/example/page.html", true],
    ["foobot", "/example/allowed.gif", true],
    ["foobot", "/example/other", false],
    ["foobot", "/", false],
    ["barbot", "/example/page.html", false],
    ["bazbot", "/example/page.html", false],
    ["barbot", "/example/other.html", true],
    ["quxbot", "/example/page.html", true],
    ["otherbot", "/example/page.html", false],
    ["otherbot", "/images/cat.gif", false],
    ["otherbot", "/images/cat.gif?size=big", true],
    ["otherbot", "/publications/", true],
    ["otherbot", "/about", true],
  ])("%s may%s fetch %s", (agent, path, expected) => {
    expect(allowed(RFC_EXAMPLE, agent, path)).toBe(expected);
  });

  it("§5.2: the longest match wins", () => {
    const text = "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n";
    expect(allowed(text, "foobot", "/example/page/")).toBe(true);
    expect(allowed(text, "foobot", "/example/page/disallowed.gif")).toBe(false);
  });

  it("§2.2.2: an allow and a disallow of equal length resolve to allow", () => {
    expect(allowed("User-agent: *\nDisallow: /page\nAllow: /page\n", "vmcrawl", "/page")).toBe(true);
  });

  it("§2.2.1: groups naming the same agent are merged", () => {
    const text = "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\nuser-agent: ExampleBot\ndisallow: /baz\n";
    for (const path of ["/foo", "/bar", "/baz"]) expect(allowed(text, "examplebot", path)).toBe(false);
    expect(allowed(text, "examplebot", "/qux")).toBe(true);
  });

  it("§2.2.2: percent-encoding is compared in one normal form", () => {
    expect(allowed("User-agent: *\nDisallow: /foo/bar/ツ\n", "vmcrawl", "/foo/bar/%E3%83%84")).toBe(false);
    expect(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "vmcrawl", "/foo/bar/ツ")).toBe(false);
    expect(allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "vmcrawl", "/foo/bar/baz")).toBe(false);
    expect(allowed("User-agent: *\nDisallow: /a%2Fb\n", "vmcrawl", "/a/b")).toBe(true);
  });

  it("/robots.txt itself is always allowed", () => {
    expect(allowed("User-agent: *\nDisallow: /\n", "vmcrawl", "/robots.txt")).toBe(true);
  });
});

describe("the rules vmcrawl obeys", () => {
  it.each([
    ["a group for vmcrawl", "User-agent: vmcrawl\nDisallow: /\n", false],
    ["a group for vmcrawl in capitals, with a version", "User-Agent: VMCrawl/0.1\nDisallow: /\n", false],
    ["the * group", "User-agent: *\nDisallow: /\n", false],
    ["another crawler's group only", "User-agent: GPTBot\nDisallow: /\n", true],
    ["* disallowed but vmcrawl allowed", "User-agent: *\nDisallow: /\n\nUser-agent: vmcrawl\nAllow: /\n", true],
    ["an empty Disallow", "User-agent: *\nDisallow:\n", true],
    ["Mastodon's own robots.txt", "User-agent: *\nDisallow: /media_proxy/\nDisallow: /interact/\n\nUser-agent: GPTBot\nDisallow: /\n", true],
    ["comments and odd spacing", "# hello\nUser-agent : vmcrawl # us\n  Disallow :   /.well-known/   # no\n", false],
    ["CR line endings", "User-agent: *\rDisallow: /\r", false],
    ["a rule before any user-agent (ignored)", "Disallow: /\n", true],
    ["a wildcard in the middle", "User-agent: *\nDisallow: /.well-known/*info\n", false],
    ["an anchored pattern that does not match", "User-agent: *\nDisallow: /.well-known/nodeinfo/x$\n", true],
  ])("%s", (_what, text, expected) => {
    expect(allowed(text, "vmcrawl", "/.well-known/nodeinfo")).toBe(expected);
  });

  it("matches the query string too", () => {
    expect(allowed("User-agent: *\nDisallow: /.well-known/webfinger?resource=acct:\n", "vmcrawl", "/.well-known/webfinger?resource=acct:a@b")).toBe(false);
  });

  it("reads only the first 500 KiB", () => {
    const text = `User-agent: *\n${"# padding\n".repeat(60_000)}Disallow: /\n`;
    expect(text.length).toBeGreaterThan(500 * 1024);
    expect(allowed(text, "vmcrawl", "/x")).toBe(true);
  });
});
