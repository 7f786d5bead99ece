import { InputRejectedError } from '../aia/inputRejection.js';
import type { ComputeBackend, DeconvolutionPrecision, TransferFunction } from '../compute/computeBackend.js';
import { NoPsfModelError, PSF_SIZE, PsfCache, psfParameters, type PsfBuildStep } from '../psf/index.js';

/** Told how making a transfer function goes: the PSF build's passes (cold cache), then the transform. */
export type TransferStep = (step: 'psf' | 'transfer', done: number, total: number) => void;

/**
 * The PSFs and optical transfer functions of a batch: each channel's PSF comes from the on-disk cache
 * (built on first use) and its transfer function is computed once and reused for every file of that
 * channel in the batch; a backend that can keep its transfer functions as values (the CPU's) keeps
 * them in the cache too, so a fresh process reads them instead of the PSF and its transform.
 */
export class ChannelOptics {
  private readonly cache: PsfCache;
  /** By the backends' transferScope: lanes of one GPU host share its OTFs. */
  private readonly transfers = new WeakMap<object, Map<string, TransferFunction>>();

  constructor(cacheDir: string) {
    this.cache = new PsfCache(cacheDir);
  }

  get modelVersion(): string {
    return this.cache.modelVersion;
  }

  /** The channel's PSF (4096², peak at [2048, 2048]); rejects channels and shapes with no model. */
  psf(channel: number, onStep?: PsfBuildStep): Float64Array {
    requirePsfModel(channel);
    return this.cache.get(channel, onStep);
  }

  /**
   * Throws the InputRejectedError saying why level 1.6 cannot be made of such an image (a channel
   * without a PSF model, a binned image); what transfer() checks before any work.
   */
  requireDeconvolvable(channel: number, width: number, height: number): void {
    const refusal = deconvolutionRefusal(channel, width, height);
    if (refusal) throw refusal;
  }

  /** The channel's transfer function for this backend, image size and precision (computed once). */
  transfer(
    backend: ComputeBackend,
    channel: number,
    width: number,
    height: number,
    precision: DeconvolutionPrecision,
    onStep?: TransferStep,
  ): TransferFunction {
    this.requireDeconvolvable(channel, width, height);
    let prepared = this.transfers.get(backend.transferScope);
    if (!prepared) this.transfers.set(backend.transferScope, (prepared = new Map()));
    const key = `${channel}/${precision}`;
    let otf = prepared.get(key);
    if (!otf) {
      const psfStep: PsfBuildStep | undefined = onStep && ((done, total) => onStep('psf', done, total));
      let made: TransferFunction | undefined;
      const make = (psf: Float64Array): TransferFunction => {
        onStep?.('transfer', 0, 1);
        made = backend.prepareTransfer(psf, width, height, precision);
        onStep?.('transfer', 1, 1);
        return made;
      };
      const kept = backend.transferValues;
      if (kept) {
        // the transfer function's values from the cache (PSF and transform only when they are not
        // there), left in their file for the backend to read where it uses them
        const values = this.cache.derivedOnDemand(
          channel,
          kept.describe(width, height, precision),
          (psf) => kept.values(make(psf)),
          psfStep,
        );
        otf = made ?? kept.restore(values, width, height, precision);
      } else {
        otf = make(this.psf(channel, psfStep));
      }
      prepared.set(key, otf);
    }
    return otf;
  }
}

/**
 * Why level 1.6 cannot be made of an image (transfer's refusal: no PSF model for the channel, or not at
 * full resolution), or undefined when it can: the one rule, for processing and for a look ahead.
 */
export function deconvolutionRefusal(
  channel: number,
  width: number,
  height: number,
): InputRejectedError | undefined {
  try {
    requirePsfModel(channel);
    requireFullResolution(width, height);
    return undefined;
  } catch (error) {
    if (error instanceof InputRejectedError) return error;
    throw error;
  }
}

/** Whether level 1.6 can be made of an image: a channel with a PSF model, at full resolution. */
export function canDeconvolve(channel: number, width: number, height: number): boolean {
  return deconvolutionRefusal(channel, width, height) === undefined;
}

function requirePsfModel(channel: number): void {
  try {
    psfParameters(channel);
  } catch (error) {
    if (error instanceof NoPsfModelError) throw new InputRejectedError('no-psf-model', error.message);
    throw error;
  }
}

/** The PSF model is defined on the CCD's own pixels; a binned image would need another model. */
function requireFullResolution(width: number, height: number): void {
  if (width !== PSF_SIZE || height !== PSF_SIZE) {
    throw new InputRejectedError(
      'unsupported-shape',
      `level 1.6 needs a full-resolution ${PSF_SIZE}×${PSF_SIZE} image (the PSF is defined on the CCD pixels); ` +
        `this one is ${width}×${height}`,
    );
  }
}
