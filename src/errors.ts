// One error base class for actas. Every error has a stable `code` (never
// reused), an HTTP `status`, and `expose` (safe to show the client) when the
// status is below 500. Denials are results, not errors; only faults land here.

export class ActasError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = this.status < 500;
  }
}

/** A configuration mistake: lists every problem by option path. */
export class ConfigError extends ActasError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('ERR_ACTAS_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A dependency (session store, audit sink) is unreachable: fail closed. */
export class UnavailableError extends ActasError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { status: 503, cause });
  }
}

/** A bad request from the client, with a reason it may read. */
export class BadRequestError extends ActasError {
  constructor(code: string, message: string, status = 400) {
    super(code, message, { status });
  }
}
