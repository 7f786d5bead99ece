import type { IncomingMessage } from 'node:http';

/**
 * Why a request to the local server comes from another origin than the app's own page, or undefined
 * when it does not. Every port of 127.0.0.1 is the same *site* to a browser, so a page served from
 * another local port gets the SameSite=Strict cookie on its requests: only the origin tells them
 * apart. A browser names it in `Origin` (fetch, form posts, WebSocket) and in `Sec-Fetch-Site` (every
 * request since Chromium 76, Firefox 90, Safari 16.4); a request with neither comes from a program
 * (curl, the CLI's client), which still needs the token.
 *
 * `navigation`: a top-level GET of a page (the user following a link or a bookmark) may come from
 * elsewhere; it reads nothing back into the other page, and the page can't be framed (CSP).
 */
export function foreignOrigin(
  request: IncomingMessage,
  port: number,
  navigation = false,
): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined && !ownOrigins(port).includes(origin))
    return `requests from ${origin} are refused: only the app's own page may call it`;
  const site = request.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  const topLevel =
    request.headers['sec-fetch-mode'] === 'navigate' && request.headers['sec-fetch-dest'] === 'document';
  if (navigation && topLevel && (request.method === 'GET' || request.method === 'HEAD')) return undefined;
  return `requests from another page (Sec-Fetch-Site: ${String(site)}) are refused`;
}

/** The origins the app's page can have: the server's address by IP or by name. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * Sent with every response: the desktop shell's policy (electron/security.ts) for the same renderer:
 * no script but the app's own files (no inline script, no eval), no framing (clickjacking),
 * connections only back to this server; no MIME sniffing, no Referer (the page's address carries the
 * token).
 */
export function securityHeaders(port: number): Record<string, string> {
  const sockets = ownOrigins(port).map((o) => o.replace(/^http/, 'ws'));
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "font-src 'self'",
      `connect-src 'self' ${sockets.join(' ')}`,
      "worker-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
