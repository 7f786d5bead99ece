import { FitsFormatError, readFitsHeaders, readInputFile } from '../engine/fits/index.js';

/**
 * Whether a FITS file that stopped growing is whole: 'incomplete' while its bytes are short of what
 * its headers announce (or it is still empty, or has no image HDU yet), 'complete' when every HDU is there, 'unusable' for
 * anything else (not FITS at all, unreadable), which the queue then fails with a clear message.
 */
export type FileReadiness = 'complete' | 'incomplete' | 'unusable';

export async function fileReadiness(path: string): Promise<FileReadiness> {
  try {
    const bytes = await readInputFile(path);
    // A download that stopped right after the (empty) primary HDU of a JSOC file looks whole so far.
    const hasImage = readFitsHeaders(bytes).some((h) => (h.number('NAXIS') ?? 0) >= 2);
    return hasImage ? 'complete' : 'incomplete';
  } catch (error) {
    const growing =
      error instanceof FitsFormatError && (error.reason === 'truncated' || error.reason === 'empty');
    return growing ? 'incomplete' : 'unusable';
  }
}
