/**
 * JSON as fediverse servers send it: a byte order mark, trailing commas, or
 * trailing garbage after a complete value are forgiven; anything else is
 * invalid. Truncated documents stay invalid (no value is ever completed).
 */

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly cause: "EMPTY" | "INVALID"; readonly reason: string };

export function parseLenientJson(input: string | Buffer): JsonParse {
  const text = (typeof input === "string" ? input : input.toString("utf8")).replace(/^\uFEFF/, "").trim();
  if (text === "") return { ok: false, cause: "EMPTY", reason: "the body is empty" };
  // Nearly every body is plain JSON: the forgiving rewrites (each a pass over the text) run only when it is not.
  const attempts: (() => string | undefined)[] = [
    () => text,
    () => withoutTrailingCommas(text),
    () => {
      const end = endOfFirstValue(text);
      return end !== undefined && end < text.length ? withoutTrailingCommas(text.slice(0, end)) : undefined;
    },
  ];
  let firstError = "";
  for (const attempt of attempts) {
    const candidate = attempt();
    if (candidate === undefined) continue;
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (err) {
      firstError ||= (err as Error).message;
    }
  }
  return { ok: false, cause: "INVALID", reason: `invalid JSON: ${firstError.slice(0, 160)}` };
}

/** Removes commas that directly precede `}` or `]`, outside strings. */
function withoutTrailingCommas(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === "}" || text[j] === "]") continue;
    }
    out += c;
  }
  return out;
}

/** Index just past the first complete object or array, or undefined if it never closes. */
function endOfFirstValue(text: string): number | undefined {
  if (text[0] !== "{" && text[0] !== "[") return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
