import type { ObjectStore } from '../../app/ports/objects.ts';
import { FsObjectStore, type FsObjectStoreOptions } from './store.ts';

export type { FsObjectStoreOptions } from './store.ts';
export { crc32c } from './checksums.ts';
export { bucketNameProblem } from './names.ts';

/**
 * Opens (creating it if needed) the object store in `dir`, normally `<dataDir>/objects`. One process owns the
 * directory. Opening loads the key index and removes what an interrupted write left behind.
 */
export async function openFsObjectStore(dir: string, options: FsObjectStoreOptions = {}): Promise<ObjectStore> {
  const store = new FsObjectStore(dir, options);
  await store.load();
  return store;
}
