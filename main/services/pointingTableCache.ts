import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { MasterPointingTable } from '../engine/aia/pointing.js';

/**
 * Master pointing tables by path, each read and parsed once for all the jobs that name it. A table
 * that fails to load is forgotten, so the next job reads it again (the file may have been fixed).
 */
export class PointingTableCache {
  private readonly tables = new Map<string, Promise<MasterPointingTable>>();

  /** The table at `path`, or none when no path is given. */
  get(path: string | undefined): Promise<MasterPointingTable | undefined> {
    if (!path) return Promise.resolve(undefined);
    let table = this.tables.get(path);
    if (!table) {
      table = readFile(path, 'utf8').then((csv) => MasterPointingTable.parse(csv, basename(path)));
      table.catch(() => this.tables.delete(path));
      this.tables.set(path, table);
    }
    return table;
  }
}
