/**
 * The JSON punctuation and whitespace, as character codes (the same values as UTF-8 bytes), for
 * the hand-written scanners of server text: crawl/json.ts, crawl/discovery.ts (XML whitespace is
 * the same four) and peers/json-stream.ts.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;

/** Space, tab, line feed, carriage return: JSON's whitespace, and XML's. */
export function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
