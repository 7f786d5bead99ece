/**
 * Prints the sha256 of every generated kernel module (and, with --functions, of each function body):
 * `npx vite-node test/compute/printKernelHashes.ts [--functions]`.
 */
import { functionHashes, kernelModules, sha256 } from './kernelHashes.js';

const modules = kernelModules();
for (const [name, bytes] of Object.entries(modules))
  console.log(`${name.padEnd(12)} ${sha256(bytes)} ${bytes.length} B`);
if (process.argv.includes('--functions'))
  for (const f of functionHashes(modules.engine))
    console.log(`  ${f.name.padEnd(28)} ${f.sha256} ${f.bytes} B`);
