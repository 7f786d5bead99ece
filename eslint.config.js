import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers (docs/architecture.md): each folder's imports, checked on every `npm run lint`. Patterns
 * match the import's text, so `../services/x.js` and `../../main/services/x.js` both count.
 * test/contract/layers.test.ts proves each rule refuses a bad import.
 */
const forbid = (regex, message) => ({ regex, message });
const NODE = forbid(
  '^node:|^(ws|electron|vue|pinia|gpu\\.js|playwright-core)$',
  'pure code imports no runtime',
);
const LAYERS = {
  engine: [
    forbid(
      '(^|/)(services|cli|contract|electron|renderer|bench|gpuHost)/',
      'the engine is computation: it imports nothing of services, cli, the contract, electron, renderer or the GPU host plumbing',
    ),
    forbid(
      '(^|/)restartPolicy(\\.js)?$',
      'process supervision is the shell’s and the services’, not the engine’s',
    ),
    forbid('^(electron|playwright-core|node:http|ws)$', 'the engine starts no browser, window or server'),
  ],
  // Starting Chromium, the relay thread and the window endpoint: below services, above the engine.
  gpuHost: [
    forbid(
      '(^|/)(services|cli|electron|renderer|bench)/',
      'the GPU host plumbing serves the services, the CLI and the shell',
    ),
  ],
  services: [
    forbid('(^|/)(cli|electron|renderer)/', 'the services import nothing of cli, electron or renderer'),
  ],
  contract: [
    NODE,
    forbid(
      '(^|/)(engine|services|cli|electron|renderer|bench)/|(^|/)(appPaths|restartPolicy|version)(\\.js)?$',
      'the contract imports no implementation: only ./ and main/common',
    ),
  ],
  common: [NODE, forbid('^\\.\\./', 'main/common is pure and self-contained: it imports only its own files')],
  renderer: [
    forbid('^node:|^(ws|electron)$', 'the renderer is a web page: no Node.js or Electron'),
    forbid(
      '(^|/)main/(?!contract/|common/)|(^|/)(electron|bench|test)/',
      'the renderer knows the app only through main/contract (and pure main/common)',
    ),
  ],
  electron: [
    forbid(
      // cluster/clusterQueue: the services process opens the cluster's queue the settings name
      '(^|/)main/(?!contract/|common/|services/index\\.js$|cluster/clusterQueue\\.js$|appPaths\\.js$|version\\.js$|restartPolicy\\.js$)',
      'the shell takes the contract, the services’ public entry (main/services/index.ts) and the cluster’s queue',
    ),
    forbid('(^|/)renderer/', 'the shell reaches the renderer only through the contract’s desktop events'),
  ],
};
const layer = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

// The shell's GPU window is a GPU host endpoint (main/gpuHost) speaking the engine's GPU protocol
// (gpuHost and its port encoding), and launchPaths asks the engine which files are FITS: the places
// the shell needs more than the contract and the services.
const SHELL_ENGINE_USERS = ['electron/gpuHost.ts', 'electron/gpuPortLink.ts', 'electron/launchPaths.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'renderer/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  layer(['main/engine/**/*.ts'], LAYERS.engine),
  layer(['main/gpuHost/**/*.ts'], LAYERS.gpuHost),
  layer(['main/services/**/*.ts'], LAYERS.services),
  layer(['main/contract/**/*.ts'], LAYERS.contract),
  layer(['main/common/**/*.ts'], LAYERS.common),
  layer(['renderer/src/**/*.ts'], LAYERS.renderer),
  layer(['electron/**/*.ts'], LAYERS.electron, SHELL_ENGINE_USERS),
  layer(SHELL_ENGINE_USERS, [LAYERS.electron[1]]),
);
