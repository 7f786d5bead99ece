/** The services' public entry: what the desktop shell's services process needs of them. */
export { AppServices, type AppServicesOptions } from './appServices.js';
export { dispatchCommand } from './commandDispatch.js';
export { describeError } from './describeError.js';
