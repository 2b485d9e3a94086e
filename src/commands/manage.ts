/** `vmcrawl manage`: DNI list, nightly and release versions, TLD cache, domain search. */
import { unavailableCommand } from "./_shared.ts";

export default unavailableCommand("manage", "Manage the DNI list, nightly and release versions, TLD cache; search domains", "manage");
