/** `vmcrawl stats`: daily patch statistics. */
import { unavailableCommand } from "./_shared.ts";

export default unavailableCommand("stats", "Record and show today's patch statistics", "stats (daily statistics)");
