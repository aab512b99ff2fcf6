/**
 * The ranks of a job and the environment each gets: the training operator's contract, so a program
 * that runs in a PyTorchJob runs here unchanged. Master is rank 0 and workers follow; an elastic job
 * has only workers, worker 0 hosting the rendezvous, and the `PET_*` variables torchrun reads.
 */
import { BackendError } from '@tflyte/core';
import { type PyTorchConfig, replicaGroup } from '../pytorch-config.ts';

export interface PlannedRank {
  readonly rank: number;
  readonly replica: string;
  readonly role: 'master' | 'worker';
  readonly env: Readonly<Record<string, string>>;
}

export const RANK_ADDRESS = '127.0.0.1';

export function planRanks(config: PyTorchConfig, port: number): PlannedRank[] {
  const workers = replicaGroup(config.workerReplicas).replicas;
  const elastic = config.elasticConfig;
  if (elastic !== undefined) {
    if (elastic.nprocPerNode > 1) {
      throw new BackendError({
        kind: 'user',
        retryable: false,
        code: 'UnsupportedLocalElastic',
        message: `a local run starts one process per node, but elastic.nprocPerNode is ${elastic.nprocPerNode}: torchrun would start the others, and Debian's torchrun cannot run here; use nprocPerNode 1 locally`,
      });
    }
    const nodes = Math.max(workers, elastic.minReplicas, 1);
    const pet = {
      PET_NNODES: `${elastic.minReplicas}:${elastic.maxReplicas}`,
      PET_NPROC_PER_NODE: String(elastic.nprocPerNode || 1),
      PET_RDZV_BACKEND: elastic.rdzvBackend || 'c10d',
      PET_RDZV_ENDPOINT: `${RANK_ADDRESS}:${port}`,
      PET_MAX_RESTARTS: String(elastic.maxRestarts),
    };
    return Array.from({ length: nodes }, (_, i) => ({
      rank: i,
      replica: `worker-${i}`,
      role: 'worker',
      env: { ...contract(i, nodes, port), ...pet },
    }));
  }
  const world = workers + 1;
  return [
    { rank: 0, replica: 'master-0', role: 'master', env: contract(0, world, port) },
    ...Array.from({ length: workers }, (_, i) => ({
      rank: i + 1,
      replica: `worker-${i}`,
      role: 'worker' as const,
      env: contract(i + 1, world, port),
    })),
  ];
}

function contract(rank: number, world: number, port: number): Record<string, string> {
  return {
    MASTER_ADDR: RANK_ADDRESS,
    MASTER_PORT: String(port),
    WORLD_SIZE: String(world),
    RANK: String(rank),
    LOCAL_RANK: '0',
    PYTHONUNBUFFERED: '1',
  };
}
