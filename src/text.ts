/** Text that came from remote servers, made safe to print. */

/** Control characters shown as \xNN: stored text can never drive the terminal (escape sequences, line tricks). */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** "1 staged change", "3 staged changes": a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** 1234567 → "1,234,567", the same on every machine whatever its locale. */
export function thousands(n: number): string {
  return n.toLocaleString("en");
}
