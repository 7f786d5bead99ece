import { APP_VERSION } from '../version.js';

/** Where the placeholder page's script is served: the page's CSP allows no inline script. */
export const PLACEHOLDER_SCRIPT_PATH = '/placeholder.js';

/** Served at / until the renderer is built (renderer/dist): proves the server and token work. */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>AIA Studio</title></head>
<body>
<h1>AIA Studio ${APP_VERSION}</h1>
<p>The local server is running. The viewer will appear here once the renderer is built.</p>
<p>Queue: <span id="counts">connecting…</span></p>
<script src="${PLACEHOLDER_SCRIPT_PATH}"></script>
</body>
</html>
`;

export const PLACEHOLDER_SCRIPT = `const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
const show = (c) => (document.getElementById('counts').textContent =
  c.queued + ' queued, ' + c.running + ' running, ' + c.done + ' done, ' + c.failed + ' failed' + (c.paused ? ' (paused)' : ''));
ws.onopen = () => ws.send(JSON.stringify({ id: 1, command: 'listJobs', request: { limit: 0 } }));
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id === 1 && msg.reply.ok) show(msg.reply.result.counts);
  if (msg.event === 'queueProgress') show(msg.payload);
};
`;
