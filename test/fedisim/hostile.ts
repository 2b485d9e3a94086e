/**
 * The answers of the hostile families (spec.ts HostileBody): each made to freeze a parser, exhaust
 * memory or poison a store, and each generated chunk by chunk when asked for, so a scenario of
 * thousands of them costs the simulator nothing to hold.
 */
import type { HostileBody } from "./spec.ts";
import type { Reply } from "./respond.ts";

const KIB = 1024;
const TEXT = { "content-type": "text/plain; charset=utf-8" };
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };
const XRD = { "content-type": "application/xrd+xml; charset=utf-8" };

/** Mastodon's robots.txt (families.ts MASTODON_ROBOTS, repeated here so this module stands alone). */
const MASTODON_ROBOTS = "User-agent: *\nDisallow: /media_proxy/\nDisallow: /interact/\n\nUser-agent: GPTBot\nDisallow: /\n";

/**
 * The reply for `body`. `document` is the domain's own NodeInfo document as JSON text, for the
 * answers that grow or bend it.
 */
export function hostileReply(body: HostileBody, document: () => string): Reply {
  switch (body) {
    case "redirect-long":
      // To the NodeInfo document itself: followed, it would be read as the answer.
      return { type: "body", status: 301, headers: { location: `/nodeinfo/2.0?${"a".repeat(60 * KIB)}`, "content-type": "text/html" }, body: "" };
    case "robots-wildcards": {
      // Stars a regular expression would backtrack on; none matches a path ending other than in ".php".
      const rules = [`Disallow: /${"*".repeat(24)}x.php$`, `Disallow: /${"*a".repeat(400)}*.php$`, `Allow: /*${"*b".repeat(400)}*.php$`];
      return stream(TEXT, [`User-agent: vmcrawl\n`, ...repeat(`${rules.join("\n")}\n`, 200 * KIB), `Disallow: /media_proxy/\n\n${MASTODON_ROBOTS}`]);
    }
    case "robots-oversized-allow":
      return stream(TEXT, [MASTODON_ROBOTS, ...repeat("# a comment the crawler reads past, and then no more\n", 600 * KIB), "User-agent: *\nDisallow: /\n"]);
    case "robots-oversized-deny":
      return stream(TEXT, ["User-agent: vmcrawl\nDisallow: /\n", ...repeat("# a comment the crawler reads past, and then no more\n", 700 * KIB)]);
    case "host-meta-flood":
      return stream(XRD, ['<?xml version="1.0"?><XRD>', ...repeat("<Link ", 300 * KIB)]);
    case "json-large-lenient":
      return stream(JSON_TYPE, grown(document(), 900 * KIB));
    case "json-huge-lenient":
      return stream(JSON_TYPE, grown(document(), 9 * KIB * KIB));
    case "json-nul":
      return { type: "body", status: 200, headers: JSON_TYPE, body: `\u0000\u0000${JSON.stringify({ links: [] })}\u0000` };
    case "json-deep":
      return stream(JSON_TYPE, repeat("[", 512 * KIB));
    case "version-megabyte": {
      const parsed = JSON.parse(document()) as { software: { version: string } };
      parsed.software.version = `${parsed.software.version}${"a".repeat(900 * KIB)}`;
      return { type: "body", status: 200, headers: JSON_TYPE, body: JSON.stringify(parsed) };
    }
  }
}

/** The document with a padding list of about `size` bytes before its closing brace, every list ending in a trailing comma. */
function grown(document: string, size: number): string[] {
  return [`${document.slice(0, -1)},"padding":[`, ...repeat("1,", size), "]}"];
}

/** `unit` repeated to about `size` bytes, in 64 KiB chunks. */
function repeat(unit: string, size: number): string[] {
  const chunk = unit.repeat(Math.max(1, Math.floor((64 * KIB) / unit.length)));
  return Array.from({ length: Math.ceil(size / chunk.length) }, () => chunk);
}

function stream(headers: Readonly<Record<string, string>>, chunks: readonly string[]): Reply {
  return { type: "stream", status: 200, headers, chunks: () => chunks };
}
