/**
 * The crawl menu's selections (seed options 0–72) as SQL over raw_domains (r)
 * or mastodon_domains (m). Aliases are never selected, terminal domains only
 * by 60–72, and opted-out ones (HARD, ROBOT) only when asked for by 31/32 or
 * 71/72: a server that said stop is not asked again by a routine run.
 * The texts are constants: nothing from outside ever reaches them.
 */
import { classOfMode, OPT_OUT_CLASSES } from "../core/outcome.ts";
import type { Selection } from "./types.ts";

const CRAWLABLE = "r.alias_of IS NULL AND r.terminal_type IS NULL";
const NOT_OPTED_OUT = `(r.error_type IS NULL OR r.error_type NOT IN (${OPT_OUT_CLASSES.map((c) => `'${c}'`).join(", ")}))`;
const KNOWN_INSTANCE = "NOT EXISTS (SELECT 1 FROM raw_domains r WHERE r.domain = m.domain AND (r.alias_of IS NOT NULL OR r.terminal_type IS NOT NULL))";

/** The selection of a menu option; 50 and 51 also need the version filter (runner). */
export function selectionFor(mode: number): Selection {
  // The class is one of our constants (ERROR_CLASS_TABLE), never input.
  const byClass = classOfMode(mode);
  if (byClass?.terminal === false) return raw(`${CRAWLABLE} AND r.error_type = '${byClass.errorClass}'`);
  if (byClass?.terminal === true) return raw(`r.alias_of IS NULL AND r.terminal_type = '${byClass.errorClass}'`);
  switch (mode) {
    case 0:
      return { ...raw(`${CRAWLABLE} AND r.last_crawled_at IS NULL`), order: "length" };
    case 1:
    case 3:
      return raw(`${CRAWLABLE} AND ${NOT_OPTED_OUT}`);
    case 2:
      return { ...raw(`${CRAWLABLE} AND ${NOT_OPTED_OUT}`), order: "desc" };
    case 4:
      return raw(`${CRAWLABLE} AND r.error_type IS NOT NULL AND ${NOT_OPTED_OUT}`);
    case 5:
      return raw(`${CRAWLABLE} AND r.error_type IS NOT NULL AND ${NOT_OPTED_OUT} AND EXISTS (SELECT 1 FROM mastodon_domains m WHERE m.domain = r.domain)`);
    case 10:
      return raw(`${CRAWLABLE} AND r.nodeinfo IS NOT NULL`);
    case 50:
    case 51:
    case 53:
      return { from: "mastodon", where: KNOWN_INSTANCE, order: "asc" };
    case 52:
      return { from: "mastodon", where: `${KNOWN_INSTANCE} AND m.active_users_monthly > 0`, order: "asc" };
    default:
      throw new RangeError(`no crawl menu option ${mode}`);
  }
}

function raw(where: string): Selection {
  return { from: "raw", where, order: "asc" };
}
