"""Learned Fourier embeddings of scalars (adp's), shared by the U-Nets and the number
conditioners; upstream's names, so state dicts match."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn


class LearnedPositionalEmbedding(nn.Module):
    """Random Fourier features of a continuous scalar, with learned frequencies; the scalar
    itself is kept as the first feature: ``(batch,) -> (batch, dim + 1)``."""

    def __init__(self, dim: int):
        super().__init__()
        if dim % 2:
            raise ValueError("the positional embedding width must be even")
        self.weights = nn.Parameter(torch.randn(dim // 2))

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, None]
        freqs = x * self.weights[None, :] * 2 * math.pi
        return torch.cat((x, freqs.sin(), freqs.cos()), dim=-1)


def TimePositionalEmbedding(dim: int, out_features: int) -> nn.Module:
    return nn.Sequential(LearnedPositionalEmbedding(dim), nn.Linear(dim + 1, out_features))


class NumberEmbedder(nn.Module):
    """Embeds numbers of any shape: ``(...) -> (..., features)`` (upstream's NumberConditioner
    uses it)."""

    def __init__(self, features: int, dim: int = 256):
        super().__init__()
        self.features = features
        self.embedding = TimePositionalEmbedding(dim=dim, out_features=features)

    def forward(self, x: Tensor | Sequence[float]) -> Tensor:
        if not torch.is_tensor(x):
            x = torch.tensor(x, device=next(self.embedding.parameters()).device)
        shape = x.shape
        return self.embedding(x.reshape(-1)).view(*shape, self.features)
