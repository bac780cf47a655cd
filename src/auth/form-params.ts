// The parameters of an OAuth form post, read strictly: a parameter sent
// without a value counts as absent (RFC 6749 §3.1), and one sent twice is an
// error unless the protocol lets it repeat (RFC 8693's audience and resource).
export type FormParams = ReadonlyMap<string, readonly string[]>;

const MAY_REPEAT = new Set(['audience', 'resource']);

/** The non-empty values of each parameter in a parsed urlencoded body. */
export function formParams(body: unknown): FormParams {
  const params = new Map<string, string[]>();
  if (!body || typeof body !== 'object') return params;
  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (values.length) params.set(name, values);
  }
  return params;
}

/** The first parameter (in body order) that was sent more than once but may not be. */
export function repeatedParam(params: FormParams): string | undefined {
  for (const [name, values] of params) if (values.length > 1 && !MAY_REPEAT.has(name)) return name;
  return undefined;
}

/** The value of a single-valued parameter. */
export function param(params: FormParams, name: string): string | undefined {
  return params.get(name)?.[0];
}
