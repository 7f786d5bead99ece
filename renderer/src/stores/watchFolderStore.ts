import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { AppApi, CommandRequest, WatchFolderStatus } from '../api/appApi.js';

/**
 * The watch folders as the services report them (the 'watchFolders' event carries the whole list on
 * every change: a new file taken, a job of a folder ending). Each command's reply is shown at once, so
 * a click is acknowledged before the event comes.
 */
export const useWatchFolderStore = defineStore('watchFolders', () => {
  const folders = shallowRef<WatchFolderStatus[]>([]);
  const byId = computed(() => new Map(folders.value.map((f) => [f.id, f])));
  let api: AppApi | undefined;

  const put = (folder: WatchFolderStatus) => {
    const at = folders.value.findIndex((f) => f.id === folder.id);
    folders.value = at < 0 ? [...folders.value, folder] : folders.value.with(at, folder);
    return folder;
  };
  const connected = () => {
    if (!api) throw new Error('the watch folders are not connected');
    return api;
  };

  return {
    folders,
    byId,
    async connect(app: AppApi): Promise<void> {
      api = app;
      app.on('watchFolders', (list) => (folders.value = list));
      folders.value = await app.call('listWatchFolders', {});
    },
    add: async (request: CommandRequest<'addWatchFolder'>) =>
      put(await connected().call('addWatchFolder', request)),
    pause: async (id: string) => put(await connected().call('pauseWatchFolder', { id })),
    resume: async (id: string) => put(await connected().call('resumeWatchFolder', { id })),
    remove: async (id: string) => {
      folders.value = await connected().call('removeWatchFolder', { id });
    },
  };
});
