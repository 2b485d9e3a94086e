/** `vmcrawl fetch`: discover new domains from the peer lists of known Mastodon servers. */
import { defineCommand } from "citty";
import { NotAvailableError } from "../errors.ts";
import { parseFetchRequest } from "../peers/selection.ts";
import { runtimeOf } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "fetch",
    description: "Discover new domains from the peer lists of known Mastodon servers (not available yet)",
  },
  args: {
    target: { type: "string", valueHint: "domain", description: "Fetch peers from this one server (not with --limit, --offset, --random)" },
    limit: { type: "string", valueHint: "N", description: "Number of source servers, largest first (default VMCRAWL_FETCH_LIMIT, 10)" },
    offset: { type: "string", valueHint: "N", description: "Skip this many of the largest servers (default VMCRAWL_FETCH_OFFSET, 0; not with --random)" },
    random: { type: "boolean", description: "Pick source servers at random (with --limit only)" },
  },
  run(context) {
    const runtime = runtimeOf(context);
    const config = runtime.config();
    parseFetchRequest(context.args, { limit: config.fetch.limit, offset: config.fetch.offset });
    throw new NotAvailableError("fetch (peer discovery)");
  },
});
