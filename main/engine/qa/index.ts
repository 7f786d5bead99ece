export {
  flagSeries,
  productQa,
  qaFlags,
  recordLevel1Qa,
  type ProductQa,
  type QaFlag,
  type QaMetric,
} from './productQa.js';
export { QA_THRESHOLDS, NOMINAL_EXPOSURE_SECONDS, LEVEL1_SATURATION_DN } from './qaThresholds.js';
export { decodeQuality, QUALITY_BITS } from './qualityWord.js';
