import type { FitsHeader } from '../fits/index.js';
import { aiaChannel } from './headerSanity.js';
import { InputRejectedError } from './inputRejection.js';
import { readGeometry, type AiaGeometry } from './wcs.js';

export interface AiaObservation {
  channel: number;
  /** Level from LVL_NUM (1 for level 1). */
  level: number;
  /** T_OBS (mid-exposure), falling back to DATE-OBS. */
  time: Date;
  exposureSeconds?: number;
  geometry: AiaGeometry;
}

/** Parses a FITS date-time, with or without a trailing Z or _TAI, as UTC. */
export function parseFitsTime(text: string): Date | undefined {
  const cleaned = text.trim().replace(/_?(TAI|UTC|Z)$/i, '');
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?$/.exec(cleaned);
  if (!m) return undefined;
  const seconds = m[6] === undefined ? 0 : Number(m[6]);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), 0) + seconds * 1000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function isAiaHeader(header: FitsHeader): boolean {
  const instrument = `${header.string('INSTRUME') ?? ''} ${header.string('TELESCOP') ?? ''}`.toUpperCase();
  return instrument.includes('AIA');
}

/**
 * Reads the AIA facts the pipeline relies on from an image header, rejecting with a specific reason
 * what is not an AIA image, and an AIA header whose WAVELNTH names no AIA channel.
 */
export function readObservation(header: FitsHeader): AiaObservation {
  if (!isAiaHeader(header)) {
    const what = header.string('INSTRUME') ?? header.string('TELESCOP');
    throw new InputRejectedError(
      'not-aia',
      what
        ? `not an SDO/AIA image (INSTRUME/TELESCOP is '${what}')`
        : 'not an SDO/AIA image: the header has no INSTRUME/TELESCOP naming AIA',
    );
  }
  const channel = aiaChannel(header);
  const timeText = header.string('T_OBS') ?? header.string('DATE-OBS') ?? header.string('DATE_OBS');
  const time = timeText === undefined ? undefined : parseFitsTime(timeText);
  if (!time) {
    throw new InputRejectedError('missing-keyword', 'header has no readable T_OBS or DATE-OBS');
  }
  return {
    channel,
    level: header.number('LVL_NUM') ?? 1,
    time,
    exposureSeconds: header.number('EXPTIME'),
    geometry: readGeometry(header),
  };
}

/** Level 1.5/1.6 files must not be registered again. */
export function requireLevel1(observation: AiaObservation): void {
  if (observation.level >= 1.5) {
    throw new InputRejectedError(
      'not-level-1',
      `already level ${observation.level} (LVL_NUM = ${observation.level}); AIA Studio processes level 1 images`,
    );
  }
}
