import { sortedSample } from '../viewer/clipLimits.js';
import type { HttpPixels, PixelJob, PixelReply } from './levelPixelsProtocol.js';

/**
 * The viewer's pixel worker: fetches a level's pixels from the local server (web mode) or takes them
 * from the page (desktop, where they arrive over IPC), views them as float32 and makes the sorted
 * sample the statistics need, all off the page's thread. Buffers travel both ways by transfer.
 */
self.onmessage = async ({ data: job }: MessageEvent<PixelJob>) => {
  try {
    const { meta, pixels } = 'fetch' in job ? await fetchPixels(job.fetch) : job.block;
    const sorted = sortedSample(pixels);
    const reply: PixelReply = { id: job.id, block: { meta, pixels }, sorted };
    self.postMessage(reply, { transfer: [pixels.buffer, sorted.buffer] });
  } catch (error) {
    const reply: PixelReply = { id: job.id, error: (error as Error).message };
    self.postMessage(reply);
  }
};

/**
 * POST /api/<command> of the local server: the float32 pixels as the body and the meta in a header,
 * or the contract's JSON reply with the reason when it fails. The token is the page's (its URL's, else
 * the cookie set when the page was opened with it).
 */
async function fetchPixels({ url, token, request }: HttpPixels) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(request) });
  if (response.headers.get('content-type') !== 'application/octet-stream') {
    const reply = (await response.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    throw new Error(reply?.error?.message ?? `the server answered ${response.status}`);
  }
  const meta = JSON.parse(decodeURIComponent(response.headers.get('x-aia-meta') ?? '{}')) as unknown;
  return { meta, pixels: new Float32Array(await response.arrayBuffer()) };
}
