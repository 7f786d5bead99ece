import { runPython } from './childProcess.js';

/**
 * astropy's answer for the pair: the largest difference of world coordinates (arcsec) and of values
 * between cut-out pixel (i, j) and parent pixel (i + x, j + y) over the whole cut-out, and its checksums.
 */
export async function compareWithParent(
  parent: string,
  cutout: string,
  region: { x: number; y: number },
): Promise<{ worldArcsec: number; value: number; nanMatch: boolean; shape: number[]; verify: string }> {
  const script = `
import json, sys, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
warnings.simplefilter('ignore')
parent, cut, x, y = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def image(path):
    with fits.open(path) as hdus:
        hdu = next(h for h in hdus if h.data is not None and h.header.get('NAXIS') == 2)
        return hdu.header.copy(), np.asarray(hdu.data, dtype=np.float64)
ph, pd = image(parent)
ch, cd = image(cut)
with fits.open(cut, checksum=True) as hdus:
    hdus.verify('exception')
    verify = 'ok' if hdus[0]._checksum_valid and hdus[0]._datasum_valid else 'bad checksum'
pw, cw = WCS(ph), WCS(ch)
jj, ii = np.mgrid[0:cd.shape[0], 0:cd.shape[1]]
a = cw.pixel_to_world_values(ii.ravel(), jj.ravel())
b = pw.pixel_to_world_values(ii.ravel() + x, jj.ravel() + y)
world = max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in range(2)) * 3600
section = pd[y:y + cd.shape[0], x:x + cd.shape[1]].astype(np.float32).astype(np.float64)
nan_match = bool(np.array_equal(np.isnan(section), np.isnan(cd)))
ok = ~np.isnan(cd)
value = float(np.max(np.abs(section[ok] - cd[ok]))) if ok.any() else 0.0
print(json.dumps({'worldArcsec': world, 'value': value, 'nanMatch': nan_match, 'shape': list(cd.shape), 'verify': verify}))
`;
  const run = await runPython(['-c', script, parent, cutout, String(region.x), String(region.y)]);
  if (run.status !== 0) throw new Error(`astropy comparison failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Awaited<ReturnType<typeof compareWithParent>>;
}
