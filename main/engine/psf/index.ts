export {
  computePsf,
  filterPsf,
  NoPsfModelError,
  psfParameters,
  PSF_BUILD_STEPS,
  PSF_CHANNELS,
  PSF_MODEL_VERSION,
  PSF_SIZE,
  type ComputePsfOptions,
  type PsfParameters,
} from './psf.js';
export {
  PsfCache,
  StoredValues,
  type CachedType,
  type DerivedValues,
  type PsfBuildStep,
  type PsfCacheOptions,
  type PsfCacheOutcome,
} from './cache.js';
