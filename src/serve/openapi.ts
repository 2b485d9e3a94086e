/** The API described for clients (OpenAPI 3.1): one entry per route; a test keeps it matching the app. */
import { VERSION } from "../version.ts";
import { FILTERS, SORTS } from "./instances.ts";

const json = (description: string) => ({ description, content: { "application/json": { schema: { type: "object" } } } });
const errors = { "400": json("A query parameter is not valid (the body names it)"), "429": json("Too many requests (Retry-After says when to come back)"), "503": json("The database could not answer") };
const keyed = { security: [{ apiKey: [] }], responses: { "401": json("The API key is missing or wrong") } };
const publicGet = (summary: string, parameters: unknown[] = []) => ({ get: { summary, parameters, responses: { "200": json(summary), ...errors } } });
const keyedGet = (summary: string, parameters: unknown[] = []) => ({ get: { summary, parameters, security: keyed.security, responses: { "200": json(summary), ...errors, ...keyed.responses } } });
const query = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: "query", required: false, schema, description });
const path = (name: string, description: string) => ({ name, in: "path", required: true, schema: { type: "string" }, description });

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: { title: "vmcrawl API", version: VERSION, description: "How many Mastodon servers, and how many of their users, run a patched release. Servers that answered within 3 days; DNI domains are counted in aggregates but never listed." },
    components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } },
    paths: {
      "/health": publicGet("The API and its database answer"),
      "/summary": publicGet("Servers, users, and the patched and end-of-life shares"),
      "/branches": publicGet("Each branch: servers, users, how many patched"),
      "/versions": publicGet("Servers and users per version"),
      "/history": publicGet("Daily statistics", [query("days", { type: "integer", minimum: 1, maximum: 3650, default: 30 }, "Days, today included")]),
      "/advisories": publicGet("Security advisories and the servers and users each affects"),
      "/velocity": publicGet("How fast releases reached their branch: days to 25/50/75/90 % of servers and users, and each curve", [
        query("branch", { type: "string", pattern: "^\\d{1,4}\\.\\d{1,4}$" }, "Only this branch's newest releases (4.5)"),
        query("release", { type: "string", pattern: "^\\d{1,4}\\.\\d{1,4}\\.\\d{1,6}$" }, "Only this release (4.5.3)"),
      ]),
      "/exposure": publicGet("Each security advisory's exposure since it was published: servers and users on an affected version per recorded day, and server-days"),
      "/release-versions": publicGet("Tracked branches and nightly ranges"),
      "/crawler": publicGet("The crawl queue: domains, due, leased, terminal, failing by class"),
      "/instances": keyedGet("Published servers, paged", [
        query("page", { type: "integer", minimum: 1, default: 1 }, "Page"),
        query("per_page", { type: "integer", minimum: 1, maximum: 200, default: 50 }, "Servers per page"),
        query("sort", { type: "string", enum: [...SORTS], default: "mau" }, "Sort key"),
        query("order", { type: "string", enum: ["asc", "desc"] }, "Order (default: desc for mau and last_seen)"),
        query("q", { type: "string", maxLength: 253 }, "Part of the domain"),
        query("filter", { type: "string", enum: [...FILTERS], default: "all" }, "Only these servers"),
      ]),
      "/instances/{domain}": keyedGet("One published server", [path("domain", "The domain, in either spelling")]),
      "/search": keyedGet("Servers whose domain contains the text (20 at most)", [query("q", { type: "string", maxLength: 253 }, "The text")]),
      "/stats/history/{date}": {
        patch: {
          summary: "Mark a day of statistics invalid, or valid again (needs the key; off without one)",
          parameters: [path("date", "YYYY-MM-DD")],
          security: keyed.security,
          requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["invalid"], properties: { invalid: { type: "boolean" }, reason: { type: "string", maxLength: 500 } } } } } },
          responses: { "200": json("The day's new state"), "403": json("No API key is configured: writes are off"), "404": json("No statistics for that day"), ...errors, ...keyed.responses },
        },
      },
      "/openapi.json": publicGet("This document"),
    },
  };
}
