"""Action classifiers by name (``MODEL_DEFAULTS``).

`lstm` and `bilstm` are parity models, `stgcn` the window default,
`stream_gcn`, `stream_stgcn` and `continual_stgcn` streaming models (one
frame's work per output), and `posec3d` and `dstformer` the third seed's
models (posec3d.py, dstformer.py). Every model
takes ``(N, C, T, J)`` windows and returns class logits ``(N, K)``; a
streaming model's are those at the window's last frame.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..skeleton.layouts import Layout
from .dstformer import DSTFORMER_DEFAULTS, DSTFORMER_SIZES, DSTformer
from .posec3d import POSEC3D_DEFAULTS, POSEC3D_SIZES, PoseConv3D


class RecurrentClassifier(nn.Module):
    """Frames flattened to vectors, an (optionally bidirectional) LSTM, last/mean state."""

    def __init__(
        self,
        in_channels: int,
        num_joints: int,
        num_classes: int,
        hidden: int,
        layers: int = 2,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.lstm = nn.LSTM(
            in_channels * num_joints,
            hidden,
            num_layers=layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if layers > 1 else 0.0,
        )
        width = hidden * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, num_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(N, width) clip embedding before the head (what contrastive training compares)."""
        n, c, t, j = x.shape
        frames = x.permute(0, 2, 1, 3).reshape(n, t, c * j)
        out, _ = self.lstm(frames)
        return out.mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def normalised_adjacency(layout: Layout) -> np.ndarray:
    """Three partitions (self, one hop, two hops), each degree-normalised: (3, J, J)."""
    j = layout.num_joints
    a = np.zeros((j, j))
    for u, v in layout.bones:
        a[u, v] = a[v, u] = 1.0
    two_hop = ((a @ a) > 0).astype(float)
    np.fill_diagonal(two_hop, 0.0)
    two_hop[a > 0] = 0.0
    parts = []
    for part in (np.eye(j), a, two_hop):
        degree = part.sum(axis=1)
        inv = np.where(degree > 0, 1.0 / np.sqrt(np.maximum(degree, 1e-9)), 0.0)
        parts.append(inv[:, None] * part * inv[None, :])
    return np.stack(parts).astype(np.float32)


class GraphBlock(nn.Module):
    """Spatial graph conv over partitions (+ learned edge weights), then temporal conv.

    Joints are aggregated first (one matmul over all partitions) and mixed by a
    single 1x1 conv over ``partitions x c_in`` channels: the same family of
    functions as conv-then-aggregate, with fewer, larger operations, which is
    what counts on a CPU at these sizes. ``separable`` swaps the temporal conv
    for depthwise + pointwise (less arithmetic; measured no faster here).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        adjacency: torch.Tensor,
        stride: int = 1,
        dropout: float = 0.1,
        kernel: int = 5,
        separable: bool = False,
    ):
        super().__init__()
        self.register_buffer("adjacency", adjacency)
        k = adjacency.shape[0]
        self.edge = nn.Parameter(torch.ones_like(adjacency))
        self.spatial = nn.Conv2d(k * c_in, c_out, 1)
        padding = (kernel // 2, 0)
        if separable:
            temporal_conv = [
                nn.Conv2d(
                    c_out, c_out, (kernel, 1), (stride, 1), padding, groups=c_out, bias=False
                ),
                nn.Conv2d(c_out, c_out, 1),
            ]
        else:
            temporal_conv = [nn.Conv2d(c_out, c_out, (kernel, 1), (stride, 1), padding)]
        self.temporal = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            *temporal_conv,
            nn.BatchNorm2d(c_out),
            nn.Dropout(dropout),
        )
        if c_in == c_out and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out)
            )
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, j = x.shape
        weights = (self.adjacency * self.edge).permute(1, 0, 2).reshape(j, self.k * j)
        y = torch.matmul(x, weights).view(n, c, t, self.k, j)  # every partition at once
        y = y.permute(0, 3, 1, 2, 4).reshape(n, self.k * c, t, j)
        return torch.relu(self.temporal(self.spatial(y)) + self.residual(x))


STGCN_DEFAULTS = {
    "widths": [32, 48, 64],
    "strides": [2, 2, 2],
    "kernel": 5,
    "separable": False,
    "dropout": 0.2,
    "streams": 1,
}


class STGCN(nn.Module):
    """A compact ST-GCN sized for real time on a CPU (a few ms for five people)."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        widths: tuple[int, ...],
        strides: tuple[int, ...],
        kernel: int = 5,
        separable: bool = False,
        dropout: float = 0.2,
    ):
        super().__init__()
        if len(strides) != len(widths):
            raise ValueError("stgcn needs one stride per block")
        adjacency = torch.from_numpy(normalised_adjacency(layout))
        self.input_norm = nn.BatchNorm1d(in_channels * layout.num_joints)
        blocks, c_in = [], in_channels
        for width, stride in zip(widths, strides, strict=True):
            blocks.append(
                GraphBlock(
                    c_in, width, adjacency, stride, dropout=0.1, kernel=kernel, separable=separable
                )
            )
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(N, channels) clip embedding before the head (what contrastive training compares)."""
        n, c, t, j = x.shape
        x = self.input_norm(x.permute(0, 1, 3, 2).reshape(n, c * j, t))
        x = x.view(n, c, j, t).permute(0, 1, 3, 2).contiguous()
        return self.blocks(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class FrameGraphConv(nn.Module):
    """A spatial graph convolution over one frame's joints (no temporal kernel).

    Normalised per frame (GroupNorm), not per batch: a streaming model steps
    one frame of a few people at a time, and batch statistics learnt on
    augmented training streams did not fit clean ones (train-mode accuracy
    0.63, eval-mode 0.28 on the training clips).
    """

    def __init__(self, c_in: int, c_out: int, adjacency: torch.Tensor):
        super().__init__()
        self.register_buffer("adjacency", adjacency)
        self.edge = nn.Parameter(torch.ones_like(adjacency))
        self.mix = nn.Conv1d(adjacency.shape[0] * c_in, c_out, 1)
        self.norm = nn.GroupNorm(1, c_out)
        self.residual = nn.Identity() if c_in == c_out else nn.Conv1d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, J) -> (B, c_out, J)."""
        b, _, j = x.shape
        joined = torch.einsum("bcj,kjv->bkcv", x, self.adjacency * self.edge)
        return torch.relu(self.norm(self.mix(joined.reshape(b, -1, j))) + self.residual(x))


class CausalConv(nn.Module):
    """A residual dilated temporal convolution that sees only the past.

    ``step`` takes one frame and the block's buffer of its last
    ``(kernel - 1) * dilation`` inputs: the same output as the whole sequence
    gives at that frame, for one frame's work (a continual convolution, as
    OpenDR's CoST-GCN streams ST-GCN's).
    """

    def __init__(self, channels: int, kernel: int, dilation: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, dilation=dilation)
        self.norm = nn.LayerNorm(channels)  # per frame: the same in a step as in a sequence
        self.past = (kernel - 1) * dilation

    def _out(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x + torch.relu(self.norm(y.transpose(1, 2)).transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T) -> (N, C, T)."""
        return self._out(x, self.conv(nn.functional.pad(x, (self.past, 0))))

    def step(self, x: torch.Tensor, buffer: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C) newest input and (B, C, past) buffer -> (B, C) output, the new buffer."""
        window = torch.cat([buffer, x[..., None]], dim=2)
        return self._out(x[..., None], self.conv(window))[..., 0], window[..., 1:]


class StreamingModel(nn.Module):
    """What every streaming model derives from its per-frame features (``_sequence``)."""

    def frame_logits(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, J) -> (N, T, K): each frame's logits given only the frames before it."""
        return self.head(self._sequence(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(N, features) after the window's last frame (what contrastive training compares)."""
        return self._sequence(x)[:, -1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class StreamingGCN(StreamingModel):
    """Per-frame graph features, then a temporal part that only sees the past.

    ``temporal`` is ``gru`` (a state carries the past) or ``tcn`` (causal
    dilated convolutions, each keeping its last inputs in a buffer). The
    action node feeds it one frame per step (``step``): the cost of an
    output is one frame's, however long the past it remembers (a window
    model pays for its whole window at every output). ``frame_logits`` gives
    every frame's logits (training on streams, per-frame labels); ``forward``
    those at the window's last frame (clip evaluation, calibration).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        widths: tuple[int, ...] = (32, 32),
        hidden: int = 128,
        dropout: float = 0.2,
        temporal: str = "gru",
        kernel: int = 3,
        dilations: tuple[int, ...] = (1, 2, 4),
    ):
        super().__init__()
        if temporal not in ("gru", "tcn"):
            raise ValueError(f"temporal must be gru or tcn, got {temporal!r}")
        adjacency = torch.from_numpy(normalised_adjacency(layout))
        self.input_norm = nn.LayerNorm(in_channels * layout.num_joints)
        layers, c_in = [], in_channels
        for width in widths:
            layers.append(FrameGraphConv(c_in, width, adjacency))
            c_in = width
        self.layers = nn.Sequential(*layers)
        # joints flattened, not averaged: which joint moved is what tells actions apart
        self.joints = nn.Sequential(nn.Linear(c_in * layout.num_joints, hidden), nn.ReLU())
        self.hidden = hidden
        if temporal == "gru":
            self.gru = nn.GRU(hidden, hidden, batch_first=True)
            self.blocks = None
        else:
            self.gru = None
            self.blocks = nn.ModuleList(CausalConv(hidden, kernel, d) for d in dilations)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def frame_features(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, C, J) single frames -> (B, hidden) graph features."""
        b, c, j = frames.shape
        x = self.input_norm(frames.reshape(b, c * j)).view(b, c, j)
        return self.joints(self.layers(x).flatten(1))

    def _sequence(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, j = x.shape
        per_frame = self.frame_features(x.permute(0, 2, 1, 3).reshape(n * t, c, j))
        per_frame = per_frame.view(n, t, -1)
        if self.gru is not None:
            return self.gru(per_frame)[0]  # (N, T, hidden)
        y = per_frame.transpose(1, 2)
        for block in self.blocks:
            y = block(y)
        return y.transpose(1, 2)

    def zero_state(self, batch: int) -> torch.Tensor:
        """The state of ``batch`` people before their first frame (batch first)."""
        if self.gru is not None:
            return torch.zeros(batch, self.hidden)
        return torch.zeros(batch, self.hidden, sum(b.past for b in self.blocks))

    def step(self, frames: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One new frame per person (B, C, J) and their states (``zero_state``'s shape).

        Returns (logits (B, K), the new states).
        """
        y = self.frame_features(frames)
        if self.gru is not None:
            out, new = self.gru(y[:, None], state[None])
            return self.head(out[:, 0]), new[0]
        buffers, start = [], 0
        for block in self.blocks:
            y, buffer = block.step(y, state[..., start : start + block.past])
            buffers.append(buffer)
            start += block.past
        return self.head(y), torch.cat(buffers, dim=2)


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of each (frame, joint): (N, C, T, J) in and out."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


#: How a causal graph block normalises: per frame and joint ("layer", whatever the
#: batch), or by statistics fixed in training ("batch", the window ST-GCN's way)
BLOCK_NORMS = ("layer", "batch")


class CausalGraphBlock(nn.Module):
    """ST-GCN's block made causal: per-frame graph conv, per-joint conv over the past.

    ``step`` is its continual form (as OpenDR's CoST-GCN streams ST-GCN): the
    block keeps the last ``(kernel - 1) * dilation`` inputs of its temporal
    convolution, so a new frame costs one frame's work. Either norm
    (``BLOCK_NORMS``) is the same in a step as in a sequence once trained.
    """

    adjacency: torch.Tensor

    def __init__(
        self,
        c_in: int,
        c_out: int,
        adjacency: torch.Tensor,
        kernel: int,
        dilation: int,
        dropout: float,
        norm: str,
    ):
        super().__init__()
        if norm not in BLOCK_NORMS:
            raise ValueError(f"norm must be one of {BLOCK_NORMS}, got {norm!r}")
        make_norm = ChannelLayerNorm if norm == "layer" else nn.BatchNorm2d
        self.register_buffer("adjacency", adjacency)
        self.edge = nn.Parameter(torch.ones_like(adjacency))
        self.spatial = nn.Conv2d(adjacency.shape[0] * c_in, c_out, 1)
        self.spatial_norm = make_norm(c_out)
        self.temporal = nn.Conv2d(c_out, c_out, (kernel, 1), dilation=(dilation, 1))
        self.temporal_norm = make_norm(c_out)
        self.dropout = nn.Dropout(dropout)
        self.residual: nn.Module = nn.Identity()
        if c_in != c_out:
            self.residual = nn.Conv2d(c_in, c_out, 1)
            if norm == "batch":  # as the window ST-GCN's residual
                self.residual = nn.Sequential(self.residual, nn.BatchNorm2d(c_out))
        self.past = (kernel - 1) * dilation
        self.channels = c_out

    def _graph(self, x: torch.Tensor) -> torch.Tensor:
        n, _, t, j = x.shape
        joined = torch.einsum("nctj,kjv->nkctv", x, self.adjacency * self.edge)
        y = self.spatial(joined.reshape(n, -1, t, j))
        return torch.relu(self.spatial_norm(y))

    def _out(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        y = self.dropout(self.temporal_norm(self.temporal(y)))
        return torch.relu(y + self.residual(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, J) -> (N, c_out, T, J), each frame from itself and the frames before."""
        return self._out(x, nn.functional.pad(self._graph(x), (0, 0, self.past, 0)))

    def step(self, x: torch.Tensor, buffer: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C, 1, J) newest frame and (B, c_out, past, J) buffer -> output, new buffer."""
        window = torch.cat([buffer, self._graph(x)], dim=2)
        return self._out(x, window), window[:, :, 1:]


def step_blocks(
    blocks, y: torch.Tensor, state: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor], int]:
    """One frame (B, C, 1, J) through causal graph blocks whose buffers lead ``state``.

    Returns the last block's output, each block's new buffer (flat) and where
    the blocks' part of ``state`` ends.
    """
    buffers, start = [], 0
    b, joints = y.shape[0], y.shape[3]
    for block in blocks:
        size = block.channels * block.past * joints
        buffer = state[:, start : start + size].view(b, block.channels, block.past, joints)
        y, buffer = block.step(y, buffer)
        buffers.append(buffer.reshape(b, -1))
        start += size
    return y, buffers, start


class CausalSTGCN(StreamingModel):
    """A streaming ST-GCN: causal graph blocks, joints kept apart in time, one output per frame.

    The joints are only pooled after the last block (the window ST-GCN's
    design), unlike ``stream_gcn``, which flattens them into one vector per
    frame before any temporal step. ``step`` feeds one frame per person and
    keeps every block's buffer in one flat state row per person.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        widths: tuple[int, ...],
        kernel: int,
        dilations: tuple[int, ...],
        dropout: float,
        memory: tuple[float, ...] = (),
    ):
        super().__init__()
        if len(dilations) != len(widths):
            raise ValueError("stream_stgcn needs one dilation per block")
        if any(not m >= 1 for m in memory):
            raise ValueError(f"memory time constants are frames >= 1, got {list(memory)}")
        adjacency = torch.from_numpy(normalised_adjacency(layout))
        # each input channel standardised over all joints by the training data's statistics,
        # fixed before training (fit_input_scale): a frame's small motion channels keep their
        # weight (a per-frame LayerNorm drowned them in the positions' spread), a joint that
        # hardly moves is not blown up to its noise, and unlike batch statistics nothing
        # differs between training and the node
        self.register_buffer("input_mean", torch.zeros(in_channels))
        self.register_buffer("input_scale", torch.ones(in_channels))
        blocks, c_in = [], in_channels
        for width, dilation in zip(widths, dilations, strict=True):
            blocks.append(CausalGraphBlock(c_in, width, adjacency, kernel, dilation, 0.1, "layer"))
            c_in = width
        self.blocks = nn.ModuleList(blocks)
        self.joints = layout.num_joints
        self.width = c_in
        # running means of the last block's features: what the action was, after it ends
        self.register_buffer(
            "decays", torch.tensor([np.exp(-1.0 / m) for m in memory], dtype=torch.float32)
        )
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(c_in * (1 + len(memory)), num_classes)
        )

    def _remember(self, y: torch.Tensor, means: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C) newest features and (B, M, C) running means -> head input, new means."""
        d = self.decays[None, :, None]
        means = d * means + (1 - d) * y[:, None]
        return torch.cat([y, means.flatten(1)], dim=1), means

    def fit_input_scale(self, x: torch.Tensor) -> None:
        """Set the input standardisation from training input (N, C, T, J), mask last."""
        self.input_mean.copy_(x.mean(dim=(0, 2, 3)))
        self.input_scale.copy_(x.std(dim=(0, 2, 3)).clamp_min(1e-2))
        self.input_mean[-1], self.input_scale[-1] = 0.0, 1.0  # the mask stays 0 or 1

    def _normalised(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.input_mean.view(1, -1, 1, 1)) / self.input_scale.view(1, -1, 1, 1)

    def _sequence(self, x: torch.Tensor) -> torch.Tensor:
        y = self._normalised(x)
        for block in self.blocks:
            y = block(y)
        y = y.mean(dim=3).transpose(1, 2)  # (N, T, C)
        if not len(self.decays):
            return y
        means, out = y.new_zeros(y.shape[0], len(self.decays), self.width), []
        for t in range(y.shape[1]):
            joined, means = self._remember(y[:, t], means)
            out.append(joined)
        return torch.stack(out, dim=1)

    def zero_state(self, batch: int) -> torch.Tensor:
        """The state of ``batch`` people before their first frame: every buffer, flat."""
        size = sum(b.channels * b.past * self.joints for b in self.blocks)
        return torch.zeros(batch, size + len(self.decays) * self.width)

    def step(self, frames: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One new frame per person (B, C, J) and their states -> (logits (B, K), new states)."""
        b = frames.shape[0]
        y, buffers, start = step_blocks(self.blocks, self._normalised(frames[:, :, None]), state)
        y = y.mean(dim=3)[:, :, 0]
        if len(self.decays):
            y, means = self._remember(y, state[:, start:].view(b, len(self.decays), self.width))
            buffers.append(means.flatten(1))
        return self.head(y), torch.cat(buffers, dim=1)


class ContinualSTGCN(StreamingModel):
    """The window ST-GCN made continual (as OpenDR's CoST-GCN makes ST-GCN continual).

    Its label at a frame is the window ST-GCN's for the window ending there:
    strides become dilations, and the window model's average over its last
    block's ``taps`` outputs becomes an average of this model's outputs at
    that frame and ``taps - 1`` earlier ones, ``prod(strides)`` frames apart.
    Trained on windows (its label at their last frame) it learns what the
    window model learns; in the node each step costs one frame's work.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        layout: Layout,
        widths: tuple[int, ...],
        strides: tuple[int, ...],
        kernel: int,
        taps: int,
        dropout: float,
    ):
        super().__init__()
        if len(strides) != len(widths) or taps < 1 or min(strides, default=1) < 1:
            raise ValueError("continual_stgcn needs one stride >= 1 per block and taps >= 1")
        adjacency = torch.from_numpy(normalised_adjacency(layout))
        self.input_norm = nn.BatchNorm1d(in_channels * layout.num_joints)
        blocks, c_in, dilation = [], in_channels, 1
        for width, stride in zip(widths, strides, strict=True):
            blocks.append(CausalGraphBlock(c_in, width, adjacency, kernel, dilation, 0.1, "batch"))
            c_in, dilation = width, dilation * stride
        self.blocks = nn.ModuleList(blocks)
        self.typed_blocks: list[CausalGraphBlock] = blocks  # the same modules, typed
        self.joints = layout.num_joints
        self.width = c_in
        self.spacing = dilation  # frames between the averaged outputs
        self.history = (taps - 1) * dilation  # frames of pooled outputs a step keeps
        self.taps = taps
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in, num_classes))

    def _normalised(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, j = x.shape
        x = self.input_norm(x.permute(0, 1, 3, 2).reshape(n, c * j, t))
        return x.view(n, c, j, t).permute(0, 1, 3, 2)

    def _sequence(self, x: torch.Tensor) -> torch.Tensor:
        y = self._normalised(x)
        for block in self.typed_blocks:
            y = block(y)
        pooled = y.mean(dim=3)  # (N, C, T)
        t = pooled.shape[2]
        total, count = torch.zeros_like(pooled), torch.zeros(t, dtype=pooled.dtype)
        for tap in range(self.taps):  # the frame itself and earlier ones; none before the start
            shift = tap * self.spacing
            if shift >= t:
                break
            total[:, :, shift:] += pooled[:, :, : t - shift]
            count[shift:] += 1
        return (total / count).transpose(1, 2)  # (N, T, C)

    def zero_state(self, batch: int) -> torch.Tensor:
        """Every block's buffer, the last pooled outputs and the frames seen (capped), flat."""
        size = sum(b.channels * b.past * self.joints for b in self.typed_blocks)
        return torch.zeros(batch, size + self.width * self.history + 1)

    def step(self, frames: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One new frame per person (B, C, J) and their states -> (logits (B, K), new states)."""
        b = frames.shape[0]
        y, buffers, start = step_blocks(
            self.typed_blocks, self._normalised(frames[:, :, None]), state
        )
        pooled = y.mean(dim=3)  # (B, C, 1)
        past = state[:, start : start + self.width * self.history].view(b, self.width, -1)
        seen = state[:, -1:]  # frames before this one, up to ``history``
        total, count = pooled[:, :, 0].clone(), torch.ones(b, 1)
        for tap in range(1, self.taps):
            shift = tap * self.spacing
            valid = (seen >= shift).to(pooled.dtype)
            total += past[:, :, self.history - shift] * valid
            count += valid
        past = torch.cat([past, pooled], dim=2)[:, :, 1:]
        seen = torch.clamp(seen + 1, max=self.history)
        return self.head(total / count), torch.cat([*buffers, past.flatten(1), seen], dim=1)


class StreamHeads(nn.Module):
    """One linear head per stream on its part of the joined embedding; logits averaged."""

    def __init__(self, width: int, streams: int, num_classes: int, dropout: float):
        super().__init__()
        self.width = width
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Dropout(dropout), nn.Linear(width, num_classes))
            for _ in range(streams)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        parts = z.split(self.width, dim=1)
        return torch.stack([head(p) for head, p in zip(self.heads, parts, strict=True)]).mean(0)


class StreamEnsemble(nn.Module):
    """One ST-GCN per input feature group (joint, bone, motion...), trained together.

    The 2s-AGCN / MS-G3D ensemble of streams in one model: each member sees
    its group and the mask, their logits are averaged. It costs one ST-GCN
    per stream at run time (``har bench action``).
    """

    def __init__(
        self, in_channels: int, num_classes: int, layout: Layout, streams: int, **stgcn: object
    ):
        super().__init__()
        group = (in_channels - 1) // streams
        if streams < 2 or group * streams + 1 != in_channels:
            raise ValueError(
                f"{in_channels} input channels do not split into {streams} "
                "feature groups and a mask"
            )
        self.group = group
        self.members = nn.ModuleList(
            STGCN(group + 1, num_classes, layout, **stgcn) for _ in range(streams)
        )
        width = self.members[0].head[1].in_features
        for member in self.members:
            member.head = nn.Identity()  # one head per stream below, on the joined embedding
        self.head = StreamHeads(width, streams, num_classes, float(stgcn.get("dropout", 0.2)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        mask = x[:, -1:]
        return torch.cat(
            [
                member.embed(torch.cat([x[:, i * self.group : (i + 1) * self.group], mask], dim=1))
                for i, member in enumerate(self.members)
            ],
            dim=1,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class TemporalTransformer(nn.Module):
    """Frames as tokens through a small transformer encoder, mean over time, a linear head.

    Each frame's joints are projected to ``width``, with learned positions. The
    temporal model the seeds named as future work (MotionBERT's backbone is a
    larger spatio-temporal one); sized for a CPU.
    """

    def __init__(
        self,
        in_channels: int,
        num_joints: int,
        num_classes: int,
        width: int = 64,
        layers: int = 2,
        heads: int = 4,
        max_frames: int = 128,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.input_norm = nn.LayerNorm(in_channels * num_joints)
        self.project = nn.Linear(in_channels * num_joints, width)
        self.position = nn.Parameter(torch.zeros(1, max_frames, width))
        layer = nn.TransformerEncoderLayer(
            width, heads, 2 * width, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, num_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, j = x.shape
        if t > self.position.shape[1]:
            raise ValueError(
                f"window of {t} frames, the model takes at most {self.position.shape[1]}"
            )
        frames = self.project(self.input_norm(x.permute(0, 2, 1, 3).reshape(n, t, c * j)))
        return self.encoder(frames + self.position[:, :t]).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


MODEL_DEFAULTS = {
    "stgcn": STGCN_DEFAULTS,
    "transformer": {"width": 64, "layers": 2, "heads": 4, "max_frames": 128, "dropout": 0.1},
    "bilstm": {"hidden": 128, "dropout": 0.3},  # parity with the BiLSTM project
    "lstm": {"hidden": 34},  # parity with the first project
    # causal convolutions, not a GRU: docs/ACTION_MODELS.md, "Choosing the architecture"
    "stream_gcn": {
        "widths": [32, 32],
        "hidden": 128,
        "dropout": 0.2,
        "temporal": "tcn",
        "kernel": 3,
        "dilations": [1, 2, 4, 8],
    },
    # joints kept apart in time, and running means of the features (memory) to remember
    # an action after it ends: docs/ACTION_MODELS.md, "Choosing the architecture"
    "stream_stgcn": {
        "widths": [32, 48, 64],
        "kernel": 5,
        "dilations": [1, 2, 4],
        "dropout": 0.2,
        "memory": [8, 32],
    },
    # the third seed's models, CPU size (``{"size": "standard"}``: the published one)
    "posec3d": POSEC3D_DEFAULTS,
    "dstformer": DSTFORMER_DEFAULTS,
    # the window `stgcn`'s sizes; 4 taps 8 frames apart span its 32-frame window
    "continual_stgcn": {
        "widths": [32, 48, 64],
        "strides": [2, 2, 2],
        "kernel": 5,
        "taps": 4,
        "dropout": 0.2,
    },
}
#: Named sizes (``--model-config '{"size": "standard"}'``).
SIZES = {"posec3d": POSEC3D_SIZES, "dstformer": DSTFORMER_SIZES}
#: Models that keep a state per person and take one frame per step (``step``).
STREAMING_MODELS = ("stream_gcn", "stream_stgcn", "continual_stgcn")
MODEL_NAMES = tuple(MODEL_DEFAULTS)


def model_settings(name: str, config: dict | None = None) -> dict:
    """The full size settings of a model: its defaults with ``config`` applied.

    Checkpoints store this, so a later change of defaults cannot change what an
    existing checkpoint builds.
    """
    if name not in MODEL_DEFAULTS:
        raise ValueError(f"unknown model {name!r}; available: {list(MODEL_NAMES)}")
    config = dict(config or {})
    defaults = MODEL_DEFAULTS[name]
    if "size" in config:  # a named size of the third seed's models, then the rest on top
        sizes = SIZES.get(name, {})
        size = config.pop("size")
        if size not in sizes:
            raise ValueError(f"{name} sizes are {sorted(sizes)}, got {size!r}")
        defaults = {**defaults, **sizes[size]}
    unknown = set(config) - set(defaults)
    if unknown:
        raise ValueError(
            f"unknown {name} settings {sorted(unknown)}; available: {sorted(defaults)}"
        )
    return {**defaults, **config}


def build_model(
    name: str, in_channels: int, num_classes: int, layout: Layout, config: dict | None = None
) -> nn.Module:
    """Instantiate a registered model; ``config`` overrides its size settings."""
    c = model_settings(name, config)
    if name == "stgcn":
        sizes = {
            "widths": tuple(c["widths"]),
            "strides": tuple(c["strides"]),
            "kernel": int(c["kernel"]),
            "separable": bool(c["separable"]),
            "dropout": float(c["dropout"]),
        }
        if int(c["streams"]) > 1:  # one ST-GCN per feature group
            return StreamEnsemble(in_channels, num_classes, layout, int(c["streams"]), **sizes)
        return STGCN(in_channels, num_classes, layout, **sizes)
    if name == "stream_gcn":
        return StreamingGCN(
            in_channels,
            num_classes,
            layout,
            tuple(c["widths"]),
            int(c["hidden"]),
            float(c["dropout"]),
            str(c["temporal"]),
            int(c["kernel"]),
            tuple(c["dilations"]),
        )
    if name == "stream_stgcn":
        return CausalSTGCN(
            in_channels,
            num_classes,
            layout,
            tuple(c["widths"]),
            int(c["kernel"]),
            tuple(c["dilations"]),
            float(c["dropout"]),
            tuple(float(m) for m in c["memory"]),
        )
    if name == "continual_stgcn":
        return ContinualSTGCN(
            in_channels,
            num_classes,
            layout,
            tuple(c["widths"]),
            tuple(c["strides"]),
            int(c["kernel"]),
            int(c["taps"]),
            float(c["dropout"]),
        )
    if name == "posec3d":
        return PoseConv3D(
            in_channels,
            num_classes,
            layout,
            str(c["input"]),
            int(c["grid"]),
            tuple(int(w) for w in c["widths"]),
            tuple(int(b) for b in c["blocks"]),
            bool(c["bottleneck"]),
            tuple(int(t) for t in c["temporal_strides"]),
            float(c["sigma"]),
            float(c["span"]),
            float(c["dropout"]),
        )
    if name == "dstformer":
        return DSTformer(
            in_channels,
            num_classes,
            layout,
            int(c["dim"]),
            int(c["depth"]),
            int(c["heads"]),
            int(c["mlp_ratio"]),
            int(c["rep"]),
            int(c["hidden"]),
            int(c["max_frames"]),
            float(c["dropout"]),
        )
    if name == "transformer":
        return TemporalTransformer(
            in_channels,
            layout.num_joints,
            num_classes,
            int(c["width"]),
            int(c["layers"]),
            int(c["heads"]),
            int(c["max_frames"]),
            float(c["dropout"]),
        )
    return RecurrentClassifier(
        in_channels,
        layout.num_joints,
        num_classes,
        hidden=int(c["hidden"]),
        layers=2,
        bidirectional=name == "bilstm",
        dropout=float(c.get("dropout", 0)),
    )
