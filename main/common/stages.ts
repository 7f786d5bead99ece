import type { ProductLevel } from './recipeTerms.js';

/** The stages of one job, in the order they run; the queue reports each and what it cost. */
export type Stage =
  'read' | 'decode' | 'prepare' | 'deconvolve' | 'register' | 'statistics' | 'encode' | 'write';

/** What one stage of one job cost, summed when a stage runs once per product. */
export interface StageMetrics {
  wallMs: number;
  /** CPU time of the whole process (all threads) during the stage. */
  cpuMs: number;
  /** Resident memory when the stage ended, and the largest such value seen for the stage. */
  rssMb: number;
  /** CPU time far below wall time: the stage mostly waited (I/O, locks, an idle worker). */
  waiting: boolean;
}

/**
 * How far a job has come within a stage: `done` of `total` steps of `step` (the passes of a PSF build,
 * Richardson–Lucy's iterations; 0 of 1 when a stage starts), for the product `level` when the stage
 * runs once per product.
 */
export interface StageProgress {
  stage: Stage;
  level?: ProductLevel;
  step?: 'psf' | 'transfer' | 'iterations';
  done: number;
  total: number;
}
