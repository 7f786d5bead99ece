import { gpuAdapter } from './backends.js';

/**
 * node dist/bench/gpuAdapterProbe.js: starts the GPU backend as the bench would (AIA_STUDIO_CHROMIUM,
 * AIA_STUDIO_GPU_MODE), prints one JSON line with the adapter it got, and stops it.
 */
process.stdout.write(`${JSON.stringify(await gpuAdapter())}\n`);
