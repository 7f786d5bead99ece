import { IMAGE_LEVELS, type ImageLevel, type Job, type ProductQaRow } from '../contract/index.js';
import { flagSeries } from '../engine/qa/index.js';

/**
 * One row per product of the jobs given (their QA as the job measured it), oldest observation first,
 * with the series flags (sharpness against the channel's median) that `aia-studio qa` adds over the
 * same products. The jobs' own records are left as they are.
 */
export function productQaRows(jobs: readonly Job[]): ProductQaRow[] {
  const rows: ProductQaRow[] = [];
  for (const job of jobs)
    job.qa?.forEach((measured, i) => {
      const output = job.outputs[i];
      const level = productLevel(measured.level, output?.path);
      if (output && level)
        rows.push({ jobId: job.id, level, path: output.path, qa: structuredClone(measured) });
    });
  flagSeries(rows.map((r) => r.qa));
  return rows.sort(
    (a, b) => (a.qa.tObs ?? '').localeCompare(b.qa.tObs ?? '') || a.path.localeCompare(b.path),
  );
}

/** LVL_NUM as the API names levels; an older record without it by its file name (`_lev1.6.fits`). */
function productLevel(lvlNum: number | undefined, path = ''): ImageLevel | undefined {
  const named = lvlNum === undefined ? /_lev(1\.[56])\.fits/.exec(path)?.[1] : String(lvlNum);
  return IMAGE_LEVELS.find((l) => l === named && l !== '1');
}
