import { describe, expect, it } from "vitest";
import { backendFromHostMeta, backendFromWebfinger } from "../../src/crawl/discovery.ts";

describe("backendFromHostMeta", () => {
  const xml = (template: string, rel = "lrdd") => `<?xml version="1.0"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="${rel}" template="${template}"/>\n</XRD>`;

  it("finds the host of the lrdd template", () => {
    expect(backendFromHostMeta(xml("https://social.example.com/.well-known/webfinger?resource={uri}"), "example.com")).toBe("social.example.com");
  });

  it("ignores a template naming the domain itself, other rels, addresses and junk", () => {
    expect(backendFromHostMeta(xml("https://example.com/.well-known/webfinger?resource={uri}"), "example.com")).toBeUndefined();
    expect(backendFromHostMeta(xml("https://social.example.com/x", "author"), "example.com")).toBeUndefined();
    expect(backendFromHostMeta(xml("https://10.0.0.1/x?resource={uri}"), "example.com")).toBeUndefined();
    expect(backendFromHostMeta("<html>not xml</html>", "example.com")).toBeUndefined();
  });

  it("reads single quotes, attribute order and a namespace prefix", () => {
    expect(backendFromHostMeta(`<xrd:XRD><xrd:Link template='https://b.example.net/wf?r={uri}' type="application/xrd+xml" rel='lrdd' /></xrd:XRD>`, "example.net")).toBe("b.example.net");
  });
});

describe("backendFromWebfinger", () => {
  it("takes the first https alias on another host", () => {
    const body = JSON.stringify({ subject: "acct:example.com@example.com", aliases: ["http://plain.example/x", "https://example.com/@me", "https://social.example.com/@example.com"] });
    expect(backendFromWebfinger(body, "example.com")).toBe("social.example.com");
  });

  it.each([
    ['{"error":"unknown","message":"Failed to resolve actor via webfinger"}'],
    ['{"aliases":["https://localhost/@a"]}'],
    ['{"aliases":"https://b.example/"}'],
    ["not json"],
  ])("finds nothing in %s", (body) => {
    expect(backendFromWebfinger(body, "example.com")).toBeUndefined();
  });
});
