/**
 * What each command is, in one line: its `meta` and the root's --help both read it here, so the
 * root's help can list the commands without loading their modules (citty's usage would import
 * every one of them to read its description).
 */
export const COMMANDS = {
  crawl: "Crawl known domains: the same as vmcrawl with no command",
  fetch: "Discover new domains from the peer lists of known Mastodon servers, then crawl the new ones",
  probe: "Crawl domains now and show what happened, request by request; stores nothing",
  manage: "DNI list, nightly and release versions, advisories, TLD list, search, requeue, statistics days; a menu on a terminal",
  sync: "Push results staged in local SQLite to PostgreSQL now; exits 1 if anything is left or was quarantined",
  daemon: "Crawl continuously as domains fall due (leases in fleet mode); SIGTERM stops cleanly",
  control: "Pause or resume every crawler daemon (status, pause, resume)",
  stats: "Show the latest day's patch statistics and their history",
  serve: "Serve the JSON API and the dashboard page (aggregates public; server lists and writes behind VMCRAWL_API_KEY)",
  db: "Database schema: vmcrawl db migrate",
  doctor: "Check this node's health: configuration, store, tunnel, clock, outbox, TLD list, GitHub; exits 1 if any check fails",
} as const satisfies Record<string, string>;

export type CommandName = keyof typeof COMMANDS;

/** A command's `meta`, from the catalogue. */
export function metaOf(name: CommandName): { name: CommandName; description: string } {
  return { name, description: COMMANDS[name] };
}
