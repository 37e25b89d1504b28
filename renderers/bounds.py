"""The bounds the Terraform modules enforce, in one table the renderer and the policy check share.

``deploy/terraform/modules/*/variables.tf`` validate every value they receive; a value outside these
bounds would pass the bot and fail ``terraform plan`` after approval. These tables are the same
numbers in Python, so the policy check and the renderer refuse such a value first. A test plans a
variables-only copy of each module with Terraform and proves that both sides agree at every edge.
"""

from __future__ import annotations

import re
from typing import Final

# (lowest, highest) accepted, both inclusive: module variable → bound.
WORKBENCH_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "gpu_count": (0, 8),
    "boot_disk_gb": (150, 64_000),
    "data_disk_gb": (10, 64_000),
    "idle_minutes": (10, 1440),
}
DATAPROC_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "master_disk_gb": (30, 64_000),
    "worker_count": (0, 1000),  # and never 1: Dataproc has no one-worker cluster
    "worker_disk_gb": (30, 64_000),
    "idle_stop_ttl_seconds": (600, 1_209_600),  # Dataproc's idle stop: 10 minutes to 14 days
}

# The accelerators google_workbench_instance accepts (provider 8.7 schema, accelerator_configs.type).
WORKBENCH_GPU_TYPES: Final[tuple[str, ...]] = (
    "NVIDIA_TESLA_P100",
    "NVIDIA_TESLA_V100",
    "NVIDIA_TESLA_P4",
    "NVIDIA_TESLA_T4",
    "NVIDIA_TESLA_A100",
    "NVIDIA_A100_80GB",
    "NVIDIA_L4",
    "NVIDIA_H100_80GB",
    "NVIDIA_H100_MEGA_80GB",
    "NVIDIA_H200_141GB",
    "NVIDIA_B200",
    "NVIDIA_RTX6000",
    "NVIDIA_TESLA_T4_VWS",
    "NVIDIA_TESLA_P100_VWS",
    "NVIDIA_TESLA_P4_VWS",
)

# A Cloud KMS key, as both modules take it (the same pattern is in their variables.tf).
KMS_KEY: Final[re.Pattern[str]] = re.compile(
    r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]{1,63}"
    r"/cryptoKeys/[A-Za-z0-9_-]{1,63}"
)
