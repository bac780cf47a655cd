// The banner's public face for the proxy: for each upstream response while
// impersonating, decide whether it gets a banner and, if so, hand back the
// headers to send and a transform for the raw (still encoded) body.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { TransformChain } from './chain.ts';
import { decoderFor, encoderFor, peekBytesFor } from './codec.ts';
import { checkBannerContext, type BannerContext } from './context.ts';
import { policyListAllowsStyleAttr, rewritePolicyList } from './csp.ts';
import { bannerEligibility } from './eligibility.ts';
import { BannerInjector, type BannerStats } from './injector.ts';
import { rewriteMetaCsp } from './meta-csp.ts';
import { bannerResponses } from './metrics.ts';
import { BANNER_HASHES, renderBanner, renderTitlePrefix } from './render.ts';
import { rewriteResponseHeaders } from './response-headers.ts';

export type { BannerContext, BannerPerson } from './context.ts';
export type { BannerStats } from './injector.ts';
export type { ScanOutcome } from './scanner.ts';
export { IMPERSONATING_HEADER, impersonatingHeaderValue } from './impersonating-header.ts';
export { acceptEncodingForBanner } from './accept-encoding.ts';
export { BANNER_HASHES, BANNER_TAG } from './render.ts';

/** Give up looking for the insertion point (and pass the page through) past this many bytes. */
export const MAX_SCAN_BYTES = 1024 * 1024;
/** A `<meta>` tag longer than this is not checked for a CSP. */
export const MAX_META_TAG_BYTES = 16 * 1024;

export interface BannerPlan {
  headers: OutgoingHttpHeaders;
  transform: Duplex;
  /** Live numbers for this response (outcome, bytes held back). */
  stats: BannerStats;
  /** Bytes buffered right now inside the transform, all stages included. */
  bufferedBytes: () => number;
}

export interface BannerPlanOptions {
  /** The client's request headers: a fetch/XHR (Sec-Fetch-Dest not a document) gets no banner. */
  requestHeaders?: IncomingHttpHeaders;
  /** Clock for the countdown's starting value (tests). */
  now?: () => number;
}

/**
 * Decides whether this response gets a banner; if so returns the rewritten
 * headers and a transform for the raw (still encoded) body. The caller writes
 * the status and `headers`, then pipes the upstream body through `transform`
 * to the client. Returns null when the response must pass through untouched.
 * Throws ERR_ACTAS_BANNER_CONTEXT (before anything is sent) for a bad context.
 */
export function planBannerInjection(
  method: string,
  status: number,
  headers: IncomingHttpHeaders,
  ctx: BannerContext,
  options: BannerPlanOptions = {},
): BannerPlan | null {
  const verdict = bannerEligibility(method, status, headers, options.requestHeaders);
  if (!verdict.ok) {
    if (verdict.reason !== 'not-html') bannerResponses.inc({ outcome: `skipped-${verdict.reason}` });
    return null;
  }
  checkBannerContext(ctx);
  const policies: string[] = [];
  const rewrite = (policy: string): string => rewritePolicyList(policy, BANNER_HASHES);
  const out = rewriteResponseHeaders(headers, (value) => {
    policies.push(value);
    return rewrite(value);
  });
  const now = options.now ?? Date.now;
  const injector = new BannerInjector({
    // Rendered at the insertion point, when every <meta> policy before it is known.
    banner: () => Buffer.from(renderBanner(ctx, { now: now(), styleAttr: policies.every(policyListAllowsStyleAttr) }), 'latin1'),
    titlePrefix: Buffer.from(renderTitlePrefix(ctx), 'latin1'),
    metaTag: (tag) => rewriteMetaCsp(tag, rewrite, (policy) => policies.push(policy)),
    maxScan: MAX_SCAN_BYTES,
    maxMetaTag: MAX_META_TAG_BYTES,
  }, (outcome) => bannerResponses.inc({ outcome }));
  const { coding } = verdict;
  const transform = coding === 'identity'
    ? injector
    : new TransformChain((head) => decoderFor(coding, head), [injector, encoderFor(coding)], peekBytesFor(coding));
  return { headers: out, transform, stats: injector.stats, bufferedBytes: () => transform.bufferedBytes };
}
