import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT as repoRoot } from '../helpers/paths.js';

/**
 * The layers hold because `npm run lint` refuses a wrong import: for each layer, a deliberately bad
 * import is linted as if it were a file of that layer (eslint.config.js decides by path), and must fail.
 */
const eslint = new ESLint({ cwd: repoRoot });

async function refusals(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, filePath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers, as the linter enforces them', () => {
  it.each([
    [
      'main/engine/fits/probe.ts',
      "import { AppServices } from '../../services/appServices.js';",
      'the engine is computation',
    ],
    [
      'main/engine/aia/probe.ts',
      "import type { Job } from '../../contract/index.js';",
      'the engine is computation',
    ],
    [
      'main/engine/pipeline/probe.ts',
      "import { launchPaths } from '../../../electron/launchPaths.js';",
      'the engine',
    ],
    [
      'main/engine/compute/probe.ts',
      "import { RestartPolicy } from '../../restartPolicy.js';",
      'process supervision',
    ],
    ['main/engine/compute/gpu/probe.ts', "import { chromium } from 'playwright-core';", 'starts no browser'],
    [
      'main/engine/compute/gpu/probe.ts',
      "import { HostConnection } from '../../../gpuHost/hostConnection.js';",
      'GPU host plumbing',
    ],
    [
      'main/gpuHost/probe.ts',
      "import { AppServices } from '../services/appServices.js';",
      'the GPU host plumbing serves',
    ],
    [
      'main/services/probe.ts',
      "import { usage } from '../cli/usage.js';",
      'the services import nothing of cli',
    ],
    ['main/services/probe.ts', "import { APP_API } from '../../renderer/src/api/appApiKey.js';", 'services'],
    [
      'main/contract/probe.ts',
      "import { ProcessingQueue } from '../services/processingQueue.js';",
      'no implementation',
    ],
    [
      'main/contract/probe.ts',
      "import { DEFAULT_RECIPE } from '../engine/pipeline/recipe.js';",
      'no implementation',
    ],
    ['main/contract/probe.ts', "import { isAbsolute } from 'node:path';", 'pure code imports no runtime'],
    ['main/common/probe.ts', "import { COMMANDS } from '../contract/index.js';", 'main/common is pure'],
    [
      'renderer/src/viewer/probe.ts',
      "import { wcsFromHeader } from '../../../main/engine/aia/wcs.js';",
      'the renderer knows the app only',
    ],
    [
      'renderer/src/api/probe.ts',
      "import { connectApi } from '../../../main/services/apiClient.js';",
      'the renderer knows',
    ],
    [
      'renderer/src/stores/probe.ts',
      "import { readFile } from 'node:fs/promises';",
      'the renderer is a web page',
    ],
    [
      'electron/probe.ts',
      "import { ProcessingQueue } from '../main/services/processingQueue.js';",
      'the shell takes the contract',
    ],
    [
      'electron/probe.ts',
      "import { readFitsImage } from '../main/engine/fits/index.js';",
      'the shell takes the contract',
    ],
    [
      'electron/probe.ts',
      "import App from '../renderer/src/App.vue';",
      'the shell reaches the renderer only',
    ],
  ])('%s: %s is refused', async (filePath, code, message) => {
    const found = await refusals(filePath, `${code}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    ['main/engine/aia/probe.ts', "import { invert } from '../../common/tanProjection.js';"],
    ['main/services/probe.ts', "import { validateRequest } from '../contract/index.js';"],
    ['main/contract/probe.ts', "import { PRODUCT_LEVELS } from '../common/recipeTerms.js';"],
    ['renderer/src/api/probe.ts', "import { createAppApi } from '../../../main/contract/index.js';"],
    ['electron/probe.ts', "import { AppServices } from '../main/services/index.js';"],
  ])('%s: %s is allowed', async (filePath, code) => {
    expect(await refusals(filePath, `${code}\n`)).toEqual([]);
  });

  it("the renderer's Vue files follow the renderer's rule too (ESLint does not parse .vue here)", async () => {
    const config = (await eslint.calculateConfigForFile(join(repoRoot, 'renderer/src/App.ts'))) as {
      rules: Record<string, [string, { patterns: { regex: string }[] }]>;
    };
    const patterns = config.rules['no-restricted-imports'][1].patterns.map((p) => new RegExp(p.regex));
    const files = (await readdir(join(repoRoot, 'renderer/src'), { recursive: true })).filter((f) =>
      f.endsWith('.vue'),
    );
    expect(files.length).toBeGreaterThan(4);
    const imports: string[] = [];
    for (const file of files) {
      const source = await readFile(join(repoRoot, 'renderer/src', file), 'utf8');
      for (const [, specifier] of source.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm))
        imports.push(`${file}: ${specifier}`);
    }
    expect(imports.length).toBeGreaterThan(10);
    const wrong = imports.filter((entry) => patterns.some((p) => p.test(entry.split(': ')[1])));
    expect(wrong).toEqual([]);
    // The check bites: an engine import in a Vue file would be caught.
    expect(patterns.some((p) => p.test('../../../main/engine/aia/wcs.js'))).toBe(true);
  });
});
