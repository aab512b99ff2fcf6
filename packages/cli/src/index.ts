// The CLI as a library, for embedding and tests.

export type { Io } from './main.ts';
export { main, runCli } from './main.ts';
export { StorageNotInstalledError } from './object-stores.ts';
export { EXIT, UsageError } from './usage-error.ts';
