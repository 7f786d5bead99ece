export {
  flagSeries,
  productQa,
  qaFlags,
  listLevel1InLayout,
  measureLevel1,
  recordLevel1Qa,
  type ProductQa,
  type QaFlag,
  type QaMetric,
} from './productQa.js';
export type { Level1Samples, Level1Scan } from './level1Scan.js';
export { QA_THRESHOLDS, NOMINAL_EXPOSURE_SECONDS, LEVEL1_SATURATION_DN } from './qaThresholds.js';
export { decodeQuality, QUALITY_BITS } from './qualityWord.js';
