"""DSTformer: MotionBERT's dual-stream spatio-temporal transformer, as an action classifier.

As in MotionBERT (Zhu et al., ICCV 2023): every joint of every frame is a
token; each layer runs two streams, spatial attention (across the joints of
a frame) then temporal (across the frames of a joint), and temporal then
spatial, and fuses them with weights learned per token (a softmax over the
two). The classification head averages the representation over time and
reads all joints (MotionBERT's ActionHeadClassification). Its input is the
project's per-joint features, the mask included, so a checkpoint needs no
other input format.
"""

from __future__ import annotations

import torch
from torch import nn

from ..skeleton.layouts import Layout

#: A CPU size and the paper's (dim 512, depth 5, 8 heads, MLP ratio 2, 243 frames).
DSTFORMER_SIZES = {
    "cpu": {"dim": 64, "depth": 2, "heads": 4, "mlp_ratio": 2, "rep": 64, "hidden": 256},
    "standard": {"dim": 512, "depth": 5, "heads": 8, "mlp_ratio": 2, "rep": 512, "hidden": 2048},
}
DSTFORMER_DEFAULTS = {**DSTFORMER_SIZES["cpu"], "max_frames": 243, "dropout": 0.1}


class _Attention(nn.Module):
    """Pre-norm self-attention and MLP over the tokens of one axis."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, dim * mlp_ratio),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(dim * mlp_ratio, dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class _DualLayer(nn.Module):
    """Spatial->temporal and temporal->spatial on (N, T, J, dim), fused per token."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int, dropout: float):
        super().__init__()
        self.st = nn.ModuleList([_Attention(dim, heads, mlp_ratio, dropout) for _ in range(2)])
        self.ts = nn.ModuleList([_Attention(dim, heads, mlp_ratio, dropout) for _ in range(2)])
        self.fuse = nn.Linear(2 * dim, 2)

    @staticmethod
    def _spatial(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
        n, t, j, d = x.shape
        return block(x.reshape(n * t, j, d)).reshape(n, t, j, d)

    @staticmethod
    def _temporal(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
        n, t, j, d = x.shape
        y = block(x.transpose(1, 2).reshape(n * j, t, d))
        return y.reshape(n, j, t, d).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        st = self._temporal(self.st[1], self._spatial(self.st[0], x))
        ts = self._spatial(self.ts[1], self._temporal(self.ts[0], x))
        weights = torch.softmax(self.fuse(torch.cat([st, ts], dim=-1)), dim=-1)
        return st * weights[..., :1] + ts * weights[..., 1:]


class DSTformer(nn.Module):
    """Joint embedding + positions -> dual-stream layers -> representation -> action head."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        dim: int,
        depth: int,
        heads: int,
        mlp_ratio: int,
        rep: int,
        hidden: int,
        max_frames: int,
        dropout: float,
    ):
        super().__init__()
        self.max_frames = max_frames
        self.embed_joints = nn.Linear(in_channels, dim)
        self.joint_position = nn.Parameter(torch.zeros(1, 1, layout.num_joints, dim))
        self.time_position = nn.Parameter(torch.zeros(1, max_frames, 1, dim))
        nn.init.trunc_normal_(self.joint_position, std=0.02)
        nn.init.trunc_normal_(self.time_position, std=0.02)
        self.layers = nn.ModuleList(
            [_DualLayer(dim, heads, mlp_ratio, dropout) for _ in range(depth)]
        )
        self.norm = nn.LayerNorm(dim)
        self.rep = nn.Sequential(nn.Linear(dim, rep), nn.Tanh())
        self.pool = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(layout.num_joints * rep, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Linear(hidden, num_classes)

    def represent(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T, J, rep) per-token motion representation (what 2D->3D lifting pretrains)."""
        t = x.shape[2]
        if t > self.max_frames:
            raise ValueError(f"dstformer takes at most {self.max_frames} frames, got {t}")
        tokens = self.embed_joints(x.permute(0, 2, 3, 1))  # (N, T, J, dim)
        tokens = tokens + self.joint_position + self.time_position[:, :t]
        for layer in self.layers:
            tokens = layer(tokens)
        return self.rep(self.norm(tokens))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(N, hidden) clip embedding before the head (what contrastive training compares)."""
        rep = self.represent(x).mean(dim=1)  # (N, J, rep): over time
        return self.pool(rep.reshape(x.shape[0], -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))
