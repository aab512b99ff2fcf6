export type { Checkpoint, CheckpointLocations } from './checkpoint.ts';
export { CHECKPOINT_OBJECT, currentCheckpoint, storageCheckpoint, withCheckpoint } from './checkpoint.ts';
