// Writes the compute engine's kernel module beside the compiled engine (dist/main/engine/compute/cpu/
// kernels.wasm and its key), so a process started from dist compiles it without generating it first
// (main/engine/compute/cpu/prebuiltKernels.ts). Run after tsc.
import { fileURLToPath, URL } from 'node:url';

const entry = new URL('../dist/main/engine/compute/cpu/computeEngine.js', import.meta.url);
const { buildKernelModule } = await import(entry.href);
const { writePrebuiltKernels } = await import(new URL('prebuiltKernels.js', entry).href);
writePrebuiltKernels(fileURLToPath(entry), buildKernelModule());
