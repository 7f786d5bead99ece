import { requireFullDisk } from '../engine/aia/fullDisk.js';
import { readObservation } from '../engine/aia/observation.js';
import { readFitsHeaders, readFitsImageInfo, readFitsStructure } from '../engine/fits/index.js';

/**
 * The header summary of a file as JSON: its HDUs, the image, and what AIA Studio makes of it. Headers
 * only: no pixel is read or decoded (milliseconds, where reading and decoding a 4096² frame took 0.6 s).
 */
export async function infoCommand(path: string): Promise<object> {
  const bytes = await readFitsStructure(path);
  const headers = readFitsHeaders(bytes);
  const image = readFitsImageInfo(bytes);
  const summary: Record<string, unknown> = {
    file: path,
    bytes: bytes.length,
    hdus: headers.map((h, index) => ({
      index,
      type: h.string('XTENSION') ?? 'PRIMARY',
      naxis: Array.from({ length: h.number('NAXIS') ?? 0 }, (_, i) => h.number(`NAXIS${i + 1}`)),
    })),
    image: {
      hdu: image.hduIndex,
      width: image.width,
      height: image.height,
      bitpix: image.bitpix,
      compression: image.compression ?? null,
    },
  };
  try {
    const observation = readObservation(image.header);
    let fullDisk: { ok: boolean; reason?: string } = { ok: true };
    try {
      requireFullDisk(observation.geometry, image.width, image.height);
    } catch (error) {
      fullDisk = { ok: false, reason: (error as Error).message };
    }
    summary.aia = { ...observation, time: observation.time.toISOString(), fullDisk };
  } catch (error) {
    summary.aia = { error: (error as Error).message };
  }
  summary.header = image.header.toRecord();
  summary.history = image.header.history();
  return summary;
}
