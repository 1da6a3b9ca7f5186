"""Where training runs: a device by name, and torchrun's processes (torch.distributed).

``auto`` is CUDA when torch sees a GPU, else the CPU. Under ``torchrun``
(``WORLD_SIZE`` > 1 in the environment) each process trains a shard of every
epoch's batches in DistributedDataParallel: gloo on the CPU, NCCL on CUDA.
Checkpoints always hold CPU tensors, so a GPU-trained model runs on the CPU
node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

DEVICES = ("auto", "cpu", "cuda", "cuda:N")


def resolve_device(spec: str) -> torch.device:
    """The device ``spec`` names; ValueError (saying why) for one this machine lacks."""
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {spec!r}: torch sees no CUDA device (this torch is "
                f"{torch.__version__}; the README says how to install its CUDA build)"
            )
        index = spec.partition(":")[2]
        if index and (not index.isdecimal() or int(index) >= torch.cuda.device_count()):
            raise ValueError(f"device {spec!r}: there are {torch.cuda.device_count()} CUDA devices")
        return torch.device(spec)
    raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {spec!r}")


@dataclass(frozen=True)
class Processes:
    """A process's place among torchrun's: rank, world size, local rank."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        """The process that reports and writes the checkpoint."""
        return self.rank == 0

    @classmethod
    def from_environment(cls) -> Processes:
        try:
            return cls(
                int(os.environ.get("RANK", 0)),
                int(os.environ.get("WORLD_SIZE", 1)),
                int(os.environ.get("LOCAL_RANK", 0)),
            )
        except ValueError as exc:
            raise ValueError(f"torchrun's RANK/WORLD_SIZE/LOCAL_RANK: {exc}") from None

    def start(self, device: torch.device) -> torch.device:
        """Join torchrun's process group; each process on its own GPU (its local rank)."""
        if not self.distributed:
            return device
        import torch.distributed as dist

        if device.type == "cuda":
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return device

    def stop(self) -> None:
        if self.distributed:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()

    def from_main(self, value):
        """``value`` as process 0 has it (decisions every process must share)."""
        import torch.distributed as dist

        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def shard(self, order: np.ndarray) -> np.ndarray:
        """The process's part of an epoch's order, cut so every process takes as many steps."""
        per_process = len(order) // self.world
        return order[self.rank * per_process : (self.rank + 1) * per_process]
