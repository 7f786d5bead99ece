import { requireFullDisk } from '../aia/fullDisk.js';
import { checkHeaderSanity } from '../aia/headerSanity.js';
import { readObservation, requireLevel1 } from '../aia/observation.js';
import { readFitsImageInfo, readFitsStructure } from '../fits/index.js';
import { deconvolutionRefusal } from './channelOptics.js';

/** What an input's headers say before it is processed: its observation, warnings, level 1.6 or why not. */
export interface InputHeaderCheck {
  channel: number;
  /** T_OBS (DATE-OBS when there is none), as written. */
  time: string;
  width: number;
  height: number;
  warnings: string[];
  /** Why level 1.6 cannot be made of it (a UV channel, a binned image); absent when it can. */
  noLevel16?: string;
}

/**
 * The checks processFile makes of a level 1 file before it touches a pixel (FITS structure, an AIA
 * level 1 image, a header a real frame can have, the whole disc, level 1.6's needs), from its header
 * units alone: milliseconds for a 4096² file. Throws as processFile would (FitsFormatError,
 * InputRejectedError, a system error); a file that passes can still fail on its pixels (a damaged tile,
 * a DATASUM) or with a pointing table's values.
 */
export async function checkInputHeaders(
  path: string,
  options: { normalizeExposure: boolean },
): Promise<InputHeaderCheck> {
  const image = readFitsImageInfo(await readFitsStructure(path));
  const { header, width, height } = image;
  const observation = readObservation(header);
  requireLevel1(observation);
  const warnings = checkHeaderSanity(header, options);
  requireFullDisk(observation.geometry, width, height);
  const refusal = deconvolutionRefusal(observation.channel, width, height);
  return {
    channel: observation.channel,
    time: header.string('T_OBS') ?? header.string('DATE-OBS') ?? observation.time.toISOString(),
    width,
    height,
    warnings,
    ...(refusal && { noLevel16: refusal.message }),
  };
}
