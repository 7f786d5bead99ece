/**
 * The app contract: what every caller of AIA Studio (the renderer, the desktop shell, scripts, the
 * CLI's server) can ask, in what shape, and what comes back. Imports nothing but main/common, so the
 * sandboxed preload and the renderer take it without any of the engine or the services.
 */
export * from './client.js';
export * from './commands.js';
export * from './desktop.js';
export * from './domain.js';
export * from './errors.js';
export * from './requestSchema.js';
