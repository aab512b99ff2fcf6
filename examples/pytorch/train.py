"""A tiny distributed training job: every rank joins the process group the training operator's
environment describes (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK), the ranks all-reduce a value and
take DDP steps on a small linear model, and rank 0 writes the results as the task's outputs.

    train.py --steps N --lr X --out DIR
"""
import argparse
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--out", default="/var/outputs")
    args = parser.parse_args()

    # NCCL where this rank has a GPU, gloo on CPUs.
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)  # env:// — the operator's contract
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", 0) if backend == "nccl" else torch.device("cpu")

    # Every rank contributes rank + 1: the sum is world * (world + 1) / 2 on every rank.
    total = torch.tensor([float(rank + 1)], device=device)
    dist.all_reduce(total)

    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Linear(4, 1).to(device))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    # Each rank sees its own shard of y = x·[1, 2, 3, 4]; DDP averages the gradients.
    generator = torch.Generator().manual_seed(rank)
    x = torch.randn(64, 4, generator=generator).to(device)
    y = x @ torch.tensor([[1.0], [2.0], [3.0], [4.0]], device=device)
    loss = torch.tensor(0.0)
    for _ in range(args.steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    dist.all_reduce(loss.detach())

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "world_size"), "w") as f:
            f.write(str(world))
        with open(os.path.join(args.out, "rank_sum"), "w") as f:
            f.write(repr(total.item()))
        with open(os.path.join(args.out, "loss"), "w") as f:
            f.write(repr(loss.item() / world))
    # End without tearing the process group down: torch 1.13's DDP reducer can deadlock destroying it at
    # interpreter exit (a gloo thread waits for the GIL that the joining thread holds). Every collective
    # has completed and the outputs are written, so nothing is lost.
    dist.barrier()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
