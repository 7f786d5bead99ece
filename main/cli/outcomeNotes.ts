import { basename } from 'node:path';
import type { ProductQa } from '../common/productQa.js';

/**
 * The indented lines under a finished file's line, as `process` and `watch` both print them: the job's
 * warnings (a level 1.6 skipped for a binned or UV frame, an odd header), then each product's QA flags.
 */
export function outcomeNotes(outputs: string[], warnings: string[], qa: ProductQa[] = []): string[] {
  return [
    ...warnings.map((w) => `  warning: ${w}`),
    ...qa.flatMap((product, k) =>
      product.flags.map((f) => `  qa ${basename(outputs[k])}: ${f.metric}: ${f.reason}`),
    ),
  ];
}
