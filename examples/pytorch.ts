// Distributed training (flytesnacks' kfpytorch example, PyTorch(num_workers=2)): a master and two
// workers run examples/pytorch/train.py, which all-reduces across the ranks and takes DDP steps on a
// tiny model; rank 0 writes the typed outputs. `tflyte run` without a cluster runs the three ranks
// as local processes (gloo on 127.0.0.1); with pytorchPlugin({ kubernetes: {} }) it is a PyTorchJob.
import { t } from '@tflyte/core';
import { pytorchTask } from '@tflyte/plugin-pytorch';

export const trainTinyModel = pytorchTask({
  name: 'trainTinyModel',
  image: 'ghcr.io/tflyte-examples/pytorch:1.13',
  command: ['python3', 'examples/pytorch/train.py'],
  args: ['--steps', '{{.inputs.steps}}', '--lr', '{{.inputs.lr}}', '--out', '/var/outputs'],
  inputs: { steps: t.int(), lr: t.float() },
  outputs: { world_size: t.int(), rank_sum: t.float(), loss: t.float() },
  requests: { cpu: 1, mem: '1Gi', gpu: 1 },
  limits: { cpu: 2, mem: '2Gi', gpu: 1 },
  workers: { replicas: 2 },
  retries: 1,
});
