/**
 * A streaming reader for one JSON array, the shape of /api/v1/instance/peers:
 * it takes the body chunk by chunk and hands out each top-level element as it
 * ends, so a 1,000,000-entry list is read with one chunk and one entry in
 * memory. Strings come out decoded; any other element (number, object, null…)
 * comes out as its kind, to be counted and refused. A string longer than the
 * limit is not kept (only its length is). Anything that is not a JSON array
 * is an error at the byte where it stops being one.
 */

import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, isJsonSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from "../json-chars.ts";

export type ArrayEntry = { readonly kind: "string"; readonly value: string } | { readonly kind: "other"; readonly type: "number" | "object" | "array" | "boolean" | "null" } | { readonly kind: "long-string" };

export class JsonArrayError extends Error {
  /** Byte offset in the whole body. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = "JsonArrayError";
    this.offset = offset;
  }
}

// Plain numbers rather than an enum: Node runs this file by stripping types (bench/), which has no enums.
const State = { BeforeArray: 0, BeforeFirst: 1, BeforeValue: 2, InString: 3, InScalar: 4, InNested: 5, AfterValue: 6, Done: 7 } as const;
type State = (typeof State)[keyof typeof State];

export class JsonArrayStream {
  private state: State = State.BeforeArray;
  private offset = 0;
  /** Bytes of the string being read that came in earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private escaped = false;
  private hasEscape = false;
  private tooLong = false;
  /** The scalar being read (true, 12.5, null), kept short: a scalar is never long. */
  private scalar = "";
  /** Nesting inside an element that is an object or array; inString tracks strings in it. */
  private depth = 0;
  private nestedType: "object" | "array" = "array";
  private nestedInString = false;
  private nestedEscaped = false;
  private bom = true;

  private readonly onEntry: (entry: ArrayEntry) => void;
  private readonly maxStringBytes: number;

  constructor(onEntry: (entry: ArrayEntry) => void, maxStringBytes = 1024) {
    this.onEntry = onEntry;
    this.maxStringBytes = maxStringBytes;
  }

  /** Reads one chunk; throws JsonArrayError where the body stops being a JSON array. */
  write(chunk: Buffer): void {
    let i = 0;
    if (this.bom && this.offset === 0 && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    this.bom = false;
    let stringStart = -1;
    if (this.state === State.InString) stringStart = 0;
    for (; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (this.state) {
        case State.BeforeArray:
          if (isJsonSpace(byte)) break;
          if (byte !== OPEN_BRACKET) this.fail(`expected a JSON array ('['), found ${describeByte(byte)}`, i);
          this.state = State.BeforeFirst;
          break;
        case State.BeforeFirst:
        case State.BeforeValue:
          if (isJsonSpace(byte)) break;
          if (byte === CLOSE_BRACKET && this.state === State.BeforeFirst) {
            this.state = State.Done;
            break;
          }
          if (byte === QUOTE) {
            this.state = State.InString;
            this.startString();
            stringStart = i + 1;
          } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
            this.state = State.InNested;
            this.depth = 1;
            this.nestedType = byte === OPEN_BRACE ? "object" : "array";
            this.nestedInString = false;
          } else if (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
            this.fail(`expected a value, found ${describeByte(byte)}`, i);
          } else {
            this.state = State.InScalar;
            this.scalar = String.fromCharCode(byte);
          }
          break;
        case State.InString:
          if (this.escaped) {
            this.escaped = false;
          } else if (byte === BACKSLASH) {
            this.escaped = true;
            this.hasEscape = true;
          } else if (byte === QUOTE) {
            this.endString(chunk, stringStart, i);
            stringStart = -1;
            this.state = State.AfterValue;
          } else if (byte < 0x20) {
            this.fail("a control character inside a string", i);
          }
          break;
        case State.InScalar:
          if (isJsonSpace(byte) || byte === COMMA || byte === CLOSE_BRACKET) {
            this.endScalar(i);
            this.state = State.AfterValue;
            i--; // the delimiter is read again as what follows a value
          } else {
            if (this.scalar.length >= 64) this.fail("a value that is neither a string nor a short scalar", i);
            this.scalar += String.fromCharCode(byte);
          }
          break;
        case State.InNested:
          if (this.nestedInString) {
            if (this.nestedEscaped) this.nestedEscaped = false;
            else if (byte === BACKSLASH) this.nestedEscaped = true;
            else if (byte === QUOTE) this.nestedInString = false;
          } else if (byte === QUOTE) this.nestedInString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            this.depth--;
            if (this.depth === 0) {
              this.onEntry({ kind: "other", type: this.nestedType });
              this.state = State.AfterValue;
            }
          }
          break;
        case State.AfterValue:
          if (isJsonSpace(byte)) break;
          if (byte === COMMA) this.state = State.BeforeValue;
          else if (byte === CLOSE_BRACKET) this.state = State.Done;
          else this.fail(`expected ',' or ']' after a value, found ${describeByte(byte)}`, i);
          break;
        case State.Done:
          if (!isJsonSpace(byte)) this.fail(`unexpected ${describeByte(byte)} after the end of the array`, i);
          break;
      }
    }
    if (this.state === State.InString && stringStart !== -1) this.keep(chunk.subarray(stringStart));
    this.offset += chunk.length;
  }

  /** The body has ended: throws unless it was one whole array. */
  end(): void {
    if (this.state === State.InScalar) {
      this.fail("the body ends inside a value", 0);
    }
    if (this.state !== State.Done) this.fail(this.state === State.BeforeArray ? "the body is empty, not a JSON array" : "the body ends before the array does", 0);
  }

  private startString(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.escaped = false;
    this.hasEscape = false;
    this.tooLong = false;
  }

  /** Keeps the part of a string that arrived in this chunk, unless the string is already too long. */
  private keep(part: Buffer): void {
    if (this.tooLong) return;
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxStringBytes) {
      this.tooLong = true;
      this.pending = [];
      return;
    }
    // Copied: the chunk is not ours to hold on to.
    this.pending.push(Buffer.from(part));
  }

  private endString(chunk: Buffer, start: number, end: number): void {
    const part = chunk.subarray(Math.max(0, start), end);
    if (this.tooLong || this.pendingBytes + part.length > this.maxStringBytes) {
      this.onEntry({ kind: "long-string" });
      return;
    }
    const raw = this.pending.length === 0 ? part : Buffer.concat([...this.pending, part]);
    this.pending = [];
    let value: string;
    if (!this.hasEscape) value = raw.toString("utf8");
    else {
      try {
        value = JSON.parse(`"${raw.toString("utf8")}"`) as string;
      } catch {
        this.fail("a string with an invalid escape", end);
      }
    }
    this.onEntry({ kind: "string", value });
  }

  private endScalar(at: number): void {
    const text = this.scalar;
    this.scalar = "";
    if (text === "true" || text === "false") this.onEntry({ kind: "other", type: "boolean" });
    else if (text === "null") this.onEntry({ kind: "other", type: "null" });
    else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) this.onEntry({ kind: "other", type: "number" });
    else this.fail(`"${text.slice(0, 20)}" is not a JSON value`, at);
  }

  private fail(message: string, index: number): never {
    throw new JsonArrayError(message, this.offset + index);
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}
