/** File-system helpers shared by the adapters and the composition roots. */
export { DirectoryError, makeDirectory, makeDirectorySync, removeDirectories } from './directory.ts';
export { readSmallFile } from './read.ts';
