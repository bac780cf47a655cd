// The client's address as actas trusts it: the socket peer, or, behind
// `trustProxyHops` trusted proxies, the address those proxies recorded.
import type { IncomingMessage } from 'node:http';

export function clientIpOf(req: IncomingMessage, trustProxyHops: number): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustProxyHops === 0) return peer;
  const chain = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // The last N entries were written by our N trusted proxies; the one before them is the client.
  return chain[chain.length - trustProxyHops] ?? peer;
}
