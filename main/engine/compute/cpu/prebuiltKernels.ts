/**
 * The engine's kernel module made at build time (build/buildKernels.mjs writes it beside the compiled
 * engine), so a fresh process compiles it without first running the generators: ≈0.1–0.3 s of cold
 * JavaScript on the way to a level 1.5 product. It is keyed by the SHA-256 of every compiled file the
 * module comes from (the engine's file and what it imports, transitively): when one has changed since
 * (tsc run without the build script), the key no longer matches and the engine generates the module
 * itself, as it does under Vitest from the TypeScript sources, where there is no prebuilt file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { closureHash } from '../closureHash.js';

export const PREBUILT_KERNELS = 'kernels.wasm';
export const PREBUILT_KERNELS_KEY = 'kernels.key.json';

/** The prebuilt module's hash and that of the files it was generated from (`closureHash`). */
interface KernelKey {
  module: string;
  sources: string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `bytes` as the prebuilt module beside the compiled `entry` that generates it, with its key. */
export function writePrebuiltKernels(entry: string, bytes: Uint8Array): void {
  const dir = dirname(entry);
  const key: KernelKey = { module: sha256(bytes), sources: closureHash(entry) };
  writeFileSync(join(dir, PREBUILT_KERNELS), bytes);
  writeFileSync(join(dir, PREBUILT_KERNELS_KEY), `${JSON.stringify(key, null, 1)}\n`);
}

/**
 * The prebuilt module beside `entry` when every file it was generated from is as it was then; null
 * when there is none (TypeScript sources) or it is stale.
 */
export function readPrebuiltKernels(entry: string): Uint8Array | null {
  const dir = dirname(entry);
  const keyFile = join(dir, PREBUILT_KERNELS_KEY);
  if (!existsSync(keyFile)) return null;
  const key = JSON.parse(readFileSync(keyFile, 'utf8')) as KernelKey;
  if (closureHash(entry) !== key.sources) return null;
  const bytes = readFileSync(join(dir, PREBUILT_KERNELS));
  return sha256(bytes) === key.module
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : null;
}
