"""Rank behaviours the tests need, all through the operator's env contract (env://, gloo).

    ranks.py allreduce OUT   every rank all-reduces rank + 1; rank 0 writes the sum and world size to OUT
    ranks.py hang            the ranks join the group and then wait forever (to be cancelled)
    ranks.py fail RANK CODE  rank RANK prints a line and exits with CODE; the others wait in a barrier
"""
import os
import sys
import time

import torch
import torch.distributed as dist

mode = sys.argv[1]
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()

if mode == "allreduce":
    out = sys.argv[2]
    value = torch.tensor([float(rank + 1)])
    dist.all_reduce(value)
    if rank == 0:
        with open(os.path.join(out, "total"), "w") as f:
            f.write(repr(value.item()))
        with open(os.path.join(out, "world"), "w") as f:
            f.write(str(world))
        with open(os.path.join(out, "addr"), "w") as f:
            f.write(f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}")
elif mode == "hang":
    print(f"rank {rank} joined", flush=True)
    while True:
        time.sleep(60)
elif mode == "fail":
    if rank == int(sys.argv[2]):
        print(f"rank {rank}: loss is NaN, giving up", flush=True)
        sys.exit(int(sys.argv[3]))
    while True:
        time.sleep(60)
