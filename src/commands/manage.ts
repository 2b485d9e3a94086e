/** `vmcrawl manage`: DNI list, nightly and release versions, TLD cache, domain search. */
import { defineCommand } from "citty";
import { NotAvailableError } from "../errors.ts";
import { runtimeOf } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "manage",
    description: "Manage the DNI list, nightly and release versions, TLD cache; search domains (not available yet)",
  },
  run(context) {
    runtimeOf(context).config();
    throw new NotAvailableError("manage");
  },
});
