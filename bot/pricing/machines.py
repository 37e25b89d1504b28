"""Machine types as the price table sees them: vCPUs, memory, and any GPUs they carry.

Compute Engine bills a predefined machine type as its vCPUs and its memory at its family's unit prices
(and A2/G2 types also bill the GPUs they include). The shapes below are Compute Engine's predefined ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# GB of memory per vCPU for each family's predefined shapes.
_MEMORY_PER_VCPU: dict[str, dict[str, float]] = {
    "e2": {"standard": 4, "highmem": 8, "highcpu": 1},
    "n1": {"standard": 3.75, "highmem": 6.5, "highcpu": 0.9},
    "n2": {"standard": 4, "highmem": 8, "highcpu": 1},
    "n2d": {"standard": 4, "highmem": 8, "highcpu": 1},
    "c2": {"standard": 4},
}
# E2 shared-core types: billed at a fraction of a vCPU (Compute Engine's "fractional" E2 shapes).
_SHARED: dict[str, tuple[float, float]] = {
    "e2-micro": (0.25, 1),
    "e2-small": (0.5, 2),
    "e2-medium": (1, 4),
}
# G2: vCPUs -> (memory GB, L4 GPUs). A2: GPUs -> (vCPUs, memory GB).
_G2 = {4: (16, 1), 8: (32, 1), 12: (48, 1), 16: (64, 1), 24: (96, 2), 32: (128, 1), 48: (192, 4), 96: (384, 8)}
_A2_HIGHGPU = {1: (12, 85), 2: (24, 170), 4: (48, 340), 8: (96, 680)}
_A2_ULTRAGPU = {1: (12, 170), 2: (24, 340), 4: (48, 680), 8: (96, 1360)}
_PREDEFINED = re.compile(r"^(?P<family>[a-z][a-z0-9]*)-(?P<shape>standard|highmem|highcpu)-(?P<n>\d+)$")
_CUSTOM = re.compile(r"^(?:(?P<family>e2|n2|n2d)-)?custom-(?P<n>\d+)-(?P<mb>\d+)(?:-ext)?$")


@dataclass(frozen=True)
class MachineShape:
    """What a machine type is billed as: a family's vCPUs and memory, plus bundled GPUs."""

    family: str
    vcpus: float
    memory_gb: float
    gpu_type: str | None = None
    gpu_count: int = 0


def machine_shape(machine_type: str) -> MachineShape | None:
    """The billed shape of a machine type, or None for one this table does not know."""
    if machine_type in _SHARED:
        vcpus, memory = _SHARED[machine_type]
        return MachineShape("e2", vcpus, memory)
    a2 = re.fullmatch(r"a2-(highgpu|ultragpu)-(\d+)g", machine_type)
    if a2:
        table = _A2_HIGHGPU if a2.group(1) == "highgpu" else _A2_ULTRAGPU
        gpus = int(a2.group(2))
        if gpus not in table:
            return None
        vcpus, memory = table[gpus]
        gpu = "NVIDIA_TESLA_A100" if a2.group(1) == "highgpu" else "NVIDIA_A100_80GB"
        return MachineShape("a2", vcpus, memory, gpu, gpus)
    g2 = re.fullmatch(r"g2-standard-(\d+)", machine_type)
    if g2:
        n = int(g2.group(1))
        if n not in _G2:
            return None
        memory, gpus = _G2[n]
        return MachineShape("g2", n, memory, "NVIDIA_L4", gpus)
    custom = _CUSTOM.fullmatch(machine_type)
    if custom:
        return MachineShape(custom.group("family") or "n1", int(custom.group("n")), int(custom.group("mb")) / 1024)
    m = _PREDEFINED.fullmatch(machine_type)
    if m is None:
        return None
    ratio = _MEMORY_PER_VCPU.get(m.group("family"), {}).get(m.group("shape"))
    if ratio is None:
        return None
    n = int(m.group("n"))
    return MachineShape(m.group("family"), n, n * ratio)
