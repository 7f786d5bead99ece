import type { AppApi, CommandRequest, CommandResponse } from '../api/appApi.js';
import type { HttpApi } from '../api/webClient.js';
import type { PixelBlockOf, PixelJob, PixelReply } from './levelPixelsProtocol.js';

type PixelCommand = 'imagePreview' | 'imagePixels';

export interface WorkedPixels<M> {
  meta: M;
  pixels: Float32Array;
  /** Sorted finite pixels (a regular sample of at most 1M): what the clip statistics read. */
  sorted: Float32Array;
}

/**
 * The page's end of the pixel worker: a level's preview or full-resolution pixels with their sorted
 * sample, fetched and prepared off the page's thread. In web mode the worker fetches them from the
 * local server itself (`http`); on the desktop they come over IPC to the page and go to the worker
 * for the statistics. Either way the buffers move by transfer, never copied.
 */
export function levelPixelsWorker(api: AppApi, http: HttpApi | undefined) {
  const worker = new Worker(new URL('./levelPixels.worker.ts', import.meta.url), { type: 'module' });
  const waiting = new Map<number, (reply: PixelReply) => void>();
  let nextId = 1;
  worker.onmessage = ({ data }: MessageEvent<PixelReply>) => {
    waiting.get(data.id)?.(data);
    waiting.delete(data.id);
  };
  worker.onerror = (event) => {
    for (const [id, answer] of waiting) answer({ id, error: `the pixel worker failed: ${event.message}` });
    waiting.clear();
  };

  function run(
    job: PixelJob,
    transfer: Transferable[],
  ): Promise<{ block: PixelBlockOf; sorted: Float32Array }> {
    return new Promise((answered, failed) => {
      waiting.set(job.id, (reply) =>
        reply.error === undefined ? answered(reply) : failed(new Error(reply.error)),
      );
      worker.postMessage(job, transfer);
    });
  }

  async function pixels<K extends PixelCommand>(
    command: K,
    request: CommandRequest<K>,
  ): Promise<WorkedPixels<CommandResponse<K>['meta']>> {
    const id = nextId++;
    let worked;
    if (http) {
      worked = await run({ id, fetch: { url: `${http.base}${command}`, token: http.token, request } }, []);
    } else {
      const { meta, pixels } = await api.call(command, request);
      worked = await run({ id, block: { meta, pixels } }, [pixels.buffer]);
    }
    const { block, sorted } = worked;
    return { meta: block.meta as CommandResponse<K>['meta'], pixels: block.pixels, sorted };
  }

  return { pixels, close: () => worker.terminate() };
}
export type LevelPixelsWorker = ReturnType<typeof levelPixelsWorker>;
