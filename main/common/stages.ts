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
