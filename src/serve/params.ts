/**
 * Query parameters, checked: a bad value is a 400 that names the parameter
 * and says what was expected. Pure.
 */
export class BadParameter extends Error {
  readonly parameter: string;

  constructor(parameter: string, expected: string, given: string) {
    super(`${parameter}=${JSON.stringify(given.slice(0, 100))} is not valid: expected ${expected}`);
    this.parameter = parameter;
  }
}

type Params = Readonly<Record<string, string | undefined>>;

export function intParam(params: Params, name: string, options: { min: number; max: number; default: number }): number {
  const raw = params[name];
  if (raw === undefined || raw === "") return options.default;
  if (!/^\d+$/.test(raw) || Number(raw) < options.min || Number(raw) > options.max) throw new BadParameter(name, `a whole number from ${options.min} to ${options.max}`, raw);
  return Number(raw);
}

export function oneOfParam<T extends string>(params: Params, name: string, values: readonly T[], fallback: T): T {
  const raw = params[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new BadParameter(name, `one of ${values.join(", ")}`, raw);
  return raw as T;
}

export function textParam(params: Params, name: string, maxLength: number): string | undefined {
  const raw = params[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  if (raw.length > maxLength || /[\u0000-\u001f]/.test(raw)) throw new BadParameter(name, `text of at most ${maxLength} characters, without control characters`, raw);
  return raw.trim().toLowerCase();
}

/** Only the parameters an endpoint knows: a typo is a 400, not silently ignored. */
export function knownParams(params: Params, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) throw new BadParameter(name, allowed.length === 0 ? "no parameters" : `one of the parameters ${allowed.join(", ")}`, params[name] ?? "");
  }
}
