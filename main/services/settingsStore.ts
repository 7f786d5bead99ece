import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidRequestError, type AppSettings, type WatchFolderConfig } from '../contract/index.js';

const DEFAULTS: AppSettings = { defaultRecipe: { levels: ['1.5'] }, watchFolders: [] };

/** settings.json in the data folder, replaced atomically on every change. */
export class SettingsStore {
  private constructor(
    private readonly path: string,
    private current: AppSettings,
  ) {}

  static async open(dataDir: string): Promise<SettingsStore> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'settings.json');
    const saved = await readFile(path, 'utf8').then(
      (text) => JSON.parse(text) as Partial<AppSettings>,
      () => ({}),
    );
    return new SettingsStore(path, { ...DEFAULTS, ...saved });
  }

  get(): AppSettings {
    return structuredClone(this.current);
  }

  /** Merges the changes the user made (watch folders are changed through their own commands). */
  async update(patch: Partial<Omit<AppSettings, 'watchFolders'>>): Promise<AppSettings> {
    const { threads, imagesInFlight, cacheDir, runJobsOn, clusterUrl, defaultRecipe } = patch ?? {};
    const next: AppSettings = { ...this.current };
    for (const [name, count] of Object.entries({ threads, imagesInFlight }) as [
      'threads' | 'imagesInFlight',
      number | undefined,
    ][]) {
      if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
        throw new InvalidRequestError(`${name} must be a whole number ≥ 1 (0: back to the default)`);
      }
      // 0 takes a count back to its default (every core; the backend's own images in flight)
      if (count === 0) delete next[name];
      else if (count !== undefined) next[name] = count;
    }
    await this.save({
      ...next,
      ...(cacheDir === undefined ? {} : { cacheDir }),
      ...(runJobsOn === undefined ? {} : { runJobsOn }),
      ...(clusterUrl === undefined ? {} : { clusterUrl }),
      ...(defaultRecipe === undefined ? {} : { defaultRecipe }),
    });
    return this.get();
  }

  async setWatchFolders(watchFolders: WatchFolderConfig[]): Promise<void> {
    await this.save({ ...this.current, watchFolders });
  }

  private async save(settings: AppSettings): Promise<void> {
    const temporary = `${this.path}.${process.pid}.partial`;
    await writeFile(temporary, JSON.stringify(settings, null, 2));
    await rename(temporary, this.path);
    this.current = settings;
  }
}
