/**
 * Who the app is to the OS. APP_ID is electron-builder's appId (build/electron-builder.yml): the NSIS
 * shortcut carries it as its AppUserModelID, and Windows attributes toasts by it, so the running app
 * must say the same (app.setAppUserModelId); the packaging test checks the two agree.
 */
export const APP_NAME = 'AIA Studio';
export const APP_ID = 'org.aiastudio.desktop';
