// What the banner says, and the checks made before any byte is sent: URLs the
// banner links to must be same-origin paths or http(s) URLs, the return path
// must stay on this origin, and the expiry must be a real time.
import { ActasError } from '../errors.ts';

export interface BannerPerson {
  user: string;
  name?: string;
  email?: string;
}

/** Everything the banner shows for one response. Times are epoch ms. */
export interface BannerContext {
  target: BannerPerson;
  actor: BannerPerson;
  reason: string;
  mode: 'read-only' | 'full';
  expiresAt: number;
  csrfToken: string;
  /** The Stop form's action, e.g. '/.actas/release' (absolute when pages may use <base href>). */
  releaseUrl: string;
  /** Path+query of the current request: where Stop returns to. */
  returnTo: string;
  /** A link to the actas console, e.g. '/.actas/'. */
  consoleUrl: string;
}

const LINK = /^(?:\/(?![/\\])|https?:\/\/)[^\s"'<>`]*$/i;

/** A same-origin return path: '/' followed by anything but a second slash or backslash. */
export function safeReturnTo(value: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

/**
 * Throws ERR_ACTAS_BANNER_CONTEXT when the context cannot be rendered safely.
 * Called before the response starts, so the caller can still answer with an error.
 */
export function checkBannerContext(ctx: BannerContext): void {
  const problems: string[] = [];
  if (!LINK.test(ctx.releaseUrl)) problems.push('releaseUrl must be a path or an http(s) URL');
  if (!LINK.test(ctx.consoleUrl)) problems.push('consoleUrl must be a path or an http(s) URL');
  if (!Number.isFinite(ctx.expiresAt) || Number.isNaN(new Date(ctx.expiresAt).getTime())) problems.push('expiresAt must be epoch milliseconds');
  if (ctx.mode !== 'read-only' && ctx.mode !== 'full') problems.push('mode must be read-only or full');
  if (typeof ctx.target?.user !== 'string' || typeof ctx.actor?.user !== 'string') problems.push('target.user and actor.user are required');
  if (problems.length > 0) throw new ActasError('ERR_ACTAS_BANNER_CONTEXT', `cannot render the banner: ${problems.join('; ')}`);
}
