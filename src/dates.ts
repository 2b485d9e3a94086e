/** Calendar dates as people type them (YYYY-MM-DD, UTC). */

/** Whether `text` is a real day: the shape, and a date that exists (not 2026-02-30, not 2026-13-01). */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const at = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === text;
}
