/**
 * Reading NodeInfo: the well-known answer (links, a single link object, the
 * document itself, or a Matrix server's answer) and the document's software
 * and user counts. Pure: the probe fetches, this reads.
 */

export type WellKnown =
  | { readonly kind: "matrix" }
  | { readonly kind: "document"; readonly document: Record<string, unknown> }
  | { readonly kind: "link"; readonly href: string; readonly schema: string | undefined }
  | { readonly kind: "unusable"; readonly cause: "NO_LINKS" | "INVALID"; readonly reason: string };

/** Links looked at in a well-known answer: real ones offer one per schema version. */
const MAX_LINKS = 64;
const SCHEMA = /nodeinfo\.diaspora\.software\/ns\/schema\/(\d+(?:\.\d+)*)/i;

export function readWellKnown(value: unknown): WellKnown {
  if (!isObject(value)) return { kind: "unusable", cause: "INVALID", reason: "the NodeInfo answer is not a JSON object" };
  if ("m.server" in value) return { kind: "matrix" };
  if ("software" in value && "version" in value) return { kind: "document", document: value };
  let links = value.links ?? value.Links;
  // Lemmy (and others) send one link object instead of a list.
  if (isObject(links)) links = [links];
  if (!Array.isArray(links) || links.length === 0) return { kind: "unusable", cause: "NO_LINKS", reason: "the NodeInfo answer has no links" };
  const candidates: { href: string; schema: string | undefined }[] = [];
  for (const link of links.slice(0, MAX_LINKS)) {
    if (!isObject(link)) continue;
    const href = link.href ?? link.Href;
    if (typeof href !== "string" || href.trim() === "") continue;
    const rel = `${textOf(link.rel ?? link.Rel)} ${textOf(link.type)}`;
    const schema = SCHEMA.exec(rel)?.[1];
    if (schema !== undefined || href.includes("/nodeinfo/")) candidates.push({ href: href.trim(), schema });
  }
  if (candidates.length === 0) return { kind: "unusable", cause: "NO_LINKS", reason: "no NodeInfo link among the links" };
  // The newest schema offered wins (2.2 over 2.1 over 2.0 over 1.x), whatever the order.
  candidates.sort((a, b) => compareSchema(b.schema, a.schema));
  const best = candidates[0]!;
  return { kind: "link", href: best.href, schema: best.schema };
}

/** A link field as text to look for the schema in (a string, or a short list of them), only as much as a schema URL needs. */
function textOf(value: unknown): string {
  if (Array.isArray(value)) return value.slice(0, 4).map((item) => (typeof item === "string" ? item.slice(0, 256) : "")).join(" ");
  return typeof value === "string" ? value.slice(0, 256) : "";
}

function compareSchema(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface Software {
  /** Lower-case, spaces as hyphens ("Write Freely" → "write-freely"); "unknown" when missing. */
  readonly name: string;
  /** As reported; undefined when missing or not a string. */
  readonly version: string | undefined;
}

export function readSoftware(document: Record<string, unknown>): Software {
  const software = isObject(document.software) ? document.software : {};
  const name = typeof software.name === "string" && software.name.trim() !== "" ? software.name.trim().toLowerCase().replace(/\s+/g, "-") : "unknown";
  return { name, version: typeof software.version === "string" ? software.version : undefined };
}

export type Users =
  | { readonly ok: true; readonly total: number; readonly activeMonth: number }
  | { readonly ok: false; readonly cause: "NO_USAGE" | "USERS"; readonly reason: string };

/** Total and monthly active users, validated: whole numbers from 0 to MAX_COUNT, monthly ≤ total (DESIGN §6). */
export function readUsers(document: Record<string, unknown>): Users {
  const usage = document.usage;
  if (!isObject(usage)) return { ok: false, cause: "NO_USAGE", reason: "NodeInfo has no usage data" };
  const users = usage.users ?? usage.user;
  if (!isObject(users)) return { ok: false, cause: "NO_USAGE", reason: "NodeInfo has no user counts" };
  const { total, activeMonth } = users;
  if (!isCount(total)) return { ok: false, cause: "USERS", reason: `total users is ${describe(total)}, not a whole number from 0 to ${MAX_COUNT}` };
  if (!isCount(activeMonth)) return { ok: false, cause: "USERS", reason: `monthly active users is ${describe(activeMonth)}, not a whole number from 0 to ${MAX_COUNT}` };
  if (activeMonth > total) return { ok: false, cause: "USERS", reason: `monthly active users (${activeMonth}) exceed total users (${total})` };
  return { ok: true, total, activeMonth };
}

/** The largest count stored: PostgreSQL's `int`. A server claiming more is no more plausible than one claiming -1. */
export const MAX_COUNT = 2_147_483_647;

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
}

/** A value for a reason: scalars as written (cut short), objects by kind only, never serialised whole. */
function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value).slice(0, 40);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
