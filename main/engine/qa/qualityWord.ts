/**
 * The AIA level 1 QUALITY keyword, bit by bit. Meanings as JSOC documents them for the QUALITY word
 * that build_lev1 writes (SDO Data Products user guide, section 7.7.6, table 2 — the list aiapy's
 * check_quality_flag carries — and JSOC's lev0/apps/quallev1.h in lm-jps/proj, which adds bits 5–7).
 * Bits 19, 22 and 23 are HMI's and are not listed.
 *
 * `flags` says whether a set bit alone flags the product. Bits whose consequence AIA Studio measures
 * itself from the pixels (the missing-data bits 8–11: the missing metrics decide) or that only say
 * how the frame came to be (limb fit, register flag, near-real-time) are shown but do not flag.
 */
export interface QualityBit {
  bit: number;
  meaning: string;
  flags: boolean;
}

export const QUALITY_BITS: readonly QualityBit[] = [
  { bit: 0, meaning: 'flatfield not available', flags: true },
  { bit: 1, meaning: 'orbit data not available', flags: true },
  { bit: 2, meaning: 'ancillary science data not available', flags: true },
  { bit: 3, meaning: 'master pointing data not available', flags: true },
  { bit: 4, meaning: 'limb-fit data not available (not used for AIA)', flags: false },
  { bit: 5, meaning: 'instrument anomaly', flags: true },
  { bit: 6, meaning: 'instrument misconfiguration', flags: true },
  { bit: 7, meaning: 'camera anomaly', flags: true },
  { bit: 8, meaning: 'MISSVALS nonzero', flags: false },
  { bit: 9, meaning: 'MISSVALS over 1% of TOTVALS', flags: false },
  { bit: 10, meaning: 'MISSVALS over 5% of TOTVALS', flags: false },
  { bit: 11, meaning: 'MISSVALS over 25% of TOTVALS', flags: false },
  { bit: 12, meaning: 'spacecraft not in science pointing mode (ACS_MODE)', flags: true },
  { bit: 13, meaning: 'spacecraft eclipse (ACS_ECLP)', flags: true },
  { bit: 14, meaning: 'no Sun presence (ACS_SUNP)', flags: true },
  { bit: 15, meaning: 'spacecraft safe mode (ACS_SAFE)', flags: true },
  { bit: 16, meaning: 'dark image (IMG_TYPE)', flags: true },
  { bit: 17, meaning: 'ISS loop open (AISTATE)', flags: true },
  { bit: 18, meaning: 'calibration image', flags: true },
  { bit: 20, meaning: 'focus out of range', flags: true },
  { bit: 21, meaning: 'register flag set', flags: false },
  { bit: 30, meaning: 'near-real-time (quicklook) image', flags: false },
  { bit: 31, meaning: 'image not available', flags: true },
];

export interface DecodedQuality {
  value: number;
  /** The meaning of every set bit, lowest bit first; unknown bits as "bit N". */
  words: string[];
  /** The meanings of the set bits that flag the product. */
  flagging: string[];
}

export function decodeQuality(value: number): DecodedQuality {
  const words: string[] = [];
  const flagging: string[] = [];
  const word = value >>> 0; // QUALITY is a signed 32-bit integer in the header: bit 31 reads negative
  for (let bit = 0; bit < 32; bit++) {
    if (((word >>> bit) & 1) === 0) continue;
    const known = QUALITY_BITS.find((b) => b.bit === bit);
    const meaning = known?.meaning ?? `bit ${bit}`;
    words.push(meaning);
    if (known?.flags ?? true) flagging.push(meaning);
  }
  return { value, words, flagging };
}
