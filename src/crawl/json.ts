/**
 * JSON as fediverse servers send it: a byte order mark, trailing commas, or
 * trailing garbage after a complete value are forgiven; anything else is
 * invalid. Truncated documents stay invalid (no value is ever completed).
 *
 * Bounded by construction: the forgiving rewrites run only on small bodies,
 * each is one pass that copies slices (never a character at a time), and a
 * document nested deeper than any real answer is refused before it is built
 * (JSON.parse copes, but every recursive reader after it would not).
 */

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, isJsonSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from "../json-chars.ts";

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly cause: "EMPTY" | "INVALID"; readonly reason: string };

/** Bodies larger than this get the plain parser only: a valid large answer parses, an invalid one fails as it is. */
export const FORGIVING_LIMIT = 256 * 1024;
/** Real answers nest a handful of levels; NodeInfo's deepest is four. */
export const MAX_DEPTH = 64;

export function parseLenientJson(input: string | Buffer): JsonParse {
  const text = (typeof input === "string" ? input : input.toString("utf8")).replace(/^\uFEFF/, "").trim();
  if (text === "") return { ok: false, cause: "EMPTY", reason: "the body is empty" };
  const shape = structure(text);
  if (shape.deepest > MAX_DEPTH) return { ok: false, cause: "INVALID", reason: `invalid JSON: nested deeper than ${MAX_DEPTH} levels` };
  // Nearly every body is plain JSON: the forgiving rewrites run only when it is not, and only on small bodies.
  const attempts: (() => string | undefined)[] = [() => text];
  if (text.length <= FORGIVING_LIMIT) {
    attempts.push(
      () => withoutTrailingCommas(text),
      () => {
        const end = shape.firstValueEnd;
        return end !== undefined && end < text.length ? withoutTrailingCommas(text.slice(0, end)) : undefined;
      },
    );
  }
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
  const forgiven = text.length <= FORGIVING_LIMIT ? "" : ` (a body over ${FORGIVING_LIMIT} bytes is not forgiven trailing commas or garbage)`;
  return { ok: false, cause: "INVALID", reason: `invalid JSON: ${firstError.slice(0, 160)}${forgiven}` };
}

/** Removes commas that directly precede `}` or `]`, outside strings: one pass, copying the runs between them. */
function withoutTrailingCommas(text: string): string {
  const kept: string[] = [];
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COMMA) {
      let j = i + 1;
      while (j < text.length && isJsonSpace(text.charCodeAt(j))) j++;
      const next = text.charCodeAt(j);
      if (next === CLOSE_BRACE || next === CLOSE_BRACKET) {
        kept.push(text.slice(from, i));
        from = i + 1;
      }
      // The spaces just looked at hold no comma: go on after them.
      i = j - 1;
    }
  }
  kept.push(text.slice(from));
  return kept.join("");
}

/**
 * One pass over the text, outside strings: the deepest nesting of objects and arrays (the pass
 * stops as soon as it passes MAX_DEPTH), and the index just past the first complete object or
 * array when the text starts with one and it closes.
 */
function structure(text: string): { deepest: number; firstValueEnd: number | undefined } {
  const startsWithValue = text[0] === "{" || text[0] === "[";
  let firstValueEnd: number | undefined;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest && (deepest = depth) > MAX_DEPTH) break;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0 && startsWithValue) firstValueEnd ??= i + 1;
    }
  }
  return { deepest, firstValueEnd };
}
