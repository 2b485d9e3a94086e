/** Text that came from remote servers, made safe to print. */

/** Control characters shown as \xNN: stored text can never drive the terminal (escape sequences, line tricks). */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
