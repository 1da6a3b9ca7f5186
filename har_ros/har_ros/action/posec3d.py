"""PoseConv3D: keypoints rendered as pseudo-heatmap volumes, classified by a 3D CNN.

As pyskl's PoseConv3D (Duan et al., "Revisiting Skeleton-based Action
Recognition", CVPR 2022): each frame's joints become Gaussian maps (one per
joint: ``heatmap``; all joints in one map: ``grayscale``; one map per limb,
a Gaussian of the distance to the bone: ``skeleton``), stacked over time into
a K x T x H x W volume, and a SlowOnly-style 3D ResNet classifies it. The
volumes are drawn inside the model, on the fly, from the normalised joint
coordinates the other models read (channels 0 and 1: the ``position``
feature group, which must come first; the last channel is the mask), so a
checkpoint needs no other input format in training, evaluation or the node.
"""

from __future__ import annotations

import torch
from torch import nn

from ..skeleton.layouts import Layout

INPUT_TYPES = ("heatmap", "grayscale", "skeleton")

#: A CPU size (about 0.23 M parameters) and pyskl's standard SlowOnly-R50 for a GPU.
POSEC3D_SIZES = {
    "cpu": {
        "grid": 32,
        "widths": [16, 32, 64],
        "blocks": [1, 1, 1],
        "bottleneck": False,
        "temporal_strides": [1, 2, 2],
    },
    "standard": {  # ResNet3dSlowOnly: base 32, stage blocks (4, 6, 3), 56 x 56 maps
        "grid": 56,
        "widths": [128, 256, 512],
        "blocks": [4, 6, 3],
        "bottleneck": True,
        "temporal_strides": [1, 1, 2],
    },
}
POSEC3D_DEFAULTS = {
    **POSEC3D_SIZES["cpu"],
    "input": "heatmap",
    "sigma": 0.6,  # map cells, as pyskl's GeneratePoseTarget
    "span": 6.0,  # torso lengths the map covers, centred on the hips
    "dropout": 0.5,
}


class PseudoHeatmaps(nn.Module):
    """(N, C, T, J) features -> (N, K, T, grid, grid) pseudo-heatmaps (differentiable)."""

    bone_a: torch.Tensor
    bone_b: torch.Tensor
    cells: torch.Tensor

    def __init__(self, layout: Layout, input_type: str, grid: int, sigma: float, span: float):
        super().__init__()
        if input_type not in INPUT_TYPES:
            raise ValueError(f"posec3d input must be one of {INPUT_TYPES}, got {input_type!r}")
        self.input_type, self.grid, self.sigma, self.span = input_type, grid, sigma, span
        bones = torch.tensor(layout.bones, dtype=torch.long).reshape(-1, 2)
        self.register_buffer("bone_a", bones[:, 0].clone(), persistent=False)
        self.register_buffer("bone_b", bones[:, 1].clone(), persistent=False)
        cells = torch.arange(grid, dtype=torch.float32)
        self.register_buffer("cells", cells, persistent=False)
        self.maps = {
            "heatmap": layout.num_joints,
            "grayscale": 1,
            "skeleton": len(layout.bones),
        }[input_type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = (self.grid - 1) / self.span
        u = x[:, 0] * scale + (self.grid - 1) / 2  # (N, T, J) map cells
        v = x[:, 1] * scale + (self.grid - 1) / 2
        seen = x[:, -1]  # (N, T, J)
        c = self.cells
        if self.input_type == "skeleton":
            return self._limbs(u, v, seen)
        du = (c.view(1, 1, 1, 1, -1) - u[..., None, None]) ** 2  # (N, T, J, 1, W)
        dv = (c.view(1, 1, 1, -1, 1) - v[..., None, None]) ** 2  # (N, T, J, H, 1)
        maps = torch.exp(-(du + dv) / (2 * self.sigma**2)) * seen[..., None, None]
        if self.input_type == "grayscale":
            maps = maps.amax(dim=2, keepdim=True)
        return maps.permute(0, 2, 1, 3, 4)  # (N, K, T, H, W)

    def _limbs(self, u: torch.Tensor, v: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
        """A Gaussian of each cell's distance to each bone segment (pyskl's limb maps)."""
        a, b = self.bone_a, self.bone_b
        ax, ay, bx, by = u[..., a], v[..., a], u[..., b], v[..., b]  # (N, T, B)
        both = seen[..., a] * seen[..., b]
        gx = self.cells.view(1, 1, 1, 1, -1)
        gy = self.cells.view(1, 1, 1, -1, 1)
        dx, dy = (bx - ax)[..., None, None], (by - ay)[..., None, None]
        length2 = (dx**2 + dy**2).clamp_min(1e-6)
        t = (((gx - ax[..., None, None]) * dx + (gy - ay[..., None, None]) * dy) / length2).clamp(
            0, 1
        )
        px, py = ax[..., None, None] + t * dx, ay[..., None, None] + t * dy
        distance2 = (gx - px) ** 2 + (gy - py) ** 2
        maps = torch.exp(-distance2 / (2 * self.sigma**2)) * both[..., None, None]
        return maps.permute(0, 2, 1, 3, 4)


class Block3d(nn.Module):
    """A 3D ResNet block: basic (two 3x3x3) or bottleneck (1x1x1, 3x3x3, 1x1x1)."""

    def __init__(self, c_in: int, c_out: int, stride: tuple[int, int, int], bottleneck: bool):
        super().__init__()
        if bottleneck:
            mid = c_out // 4
            self.body = nn.Sequential(
                nn.Conv3d(c_in, mid, 1, bias=False),
                nn.BatchNorm3d(mid),
                nn.ReLU(inplace=True),
                nn.Conv3d(mid, mid, 3, stride, 1, bias=False),
                nn.BatchNorm3d(mid),
                nn.ReLU(inplace=True),
                nn.Conv3d(mid, c_out, 1, bias=False),
                nn.BatchNorm3d(c_out),
            )
        else:
            self.body = nn.Sequential(
                nn.Conv3d(c_in, c_out, 3, stride, 1, bias=False),
                nn.BatchNorm3d(c_out),
                nn.ReLU(inplace=True),
                nn.Conv3d(c_out, c_out, 3, 1, 1, bias=False),
                nn.BatchNorm3d(c_out),
            )
        self.skip: nn.Module = nn.Identity()
        if c_in != c_out or stride != (1, 1, 1):
            self.skip = nn.Sequential(
                nn.Conv3d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm3d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class PoseConv3D(nn.Module):
    """Pseudo-heatmaps -> a SlowOnly-style 3D ResNet (stem 1x7x7, 3 stages) -> linear head."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        input_type: str,
        grid: int,
        widths: tuple[int, ...],
        blocks: tuple[int, ...],
        bottleneck: bool,
        temporal_strides: tuple[int, ...],
        sigma: float,
        span: float,
        dropout: float,
    ):
        super().__init__()
        if in_channels < 3:
            raise ValueError("posec3d reads x, y (the position group first) and the mask")
        if not len(widths) == len(blocks) == len(temporal_strides):
            raise ValueError("posec3d needs one block count and temporal stride per width")
        self.render = PseudoHeatmaps(layout, input_type, grid, sigma, span)
        stem = widths[0] // 4 if bottleneck else widths[0] // 2
        self.stem = nn.Sequential(
            nn.Conv3d(self.render.maps, stem, (1, 7, 7), 1, (0, 3, 3), bias=False),
            nn.BatchNorm3d(stem),
            nn.ReLU(inplace=True),
        )
        stages, c_in = [], stem
        for width, count, t_stride in zip(widths, blocks, temporal_strides, strict=True):
            for i in range(count):
                stride = (t_stride, 2, 2) if i == 0 else (1, 1, 1)
                stages.append(Block3d(c_in, width, stride, bottleneck))
                c_in = width
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(N, channels) clip embedding before the head (what contrastive training compares)."""
        return self.stages(self.stem(self.render(x))).mean(dim=(2, 3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))
