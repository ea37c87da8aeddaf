"""The ARC discriminator: a diffusion model's DiT cut at one block, plus a small head.

* :func:`build_discriminator_base`: the DiT whose hidden states feed the head: a copy of the
  student (``use_model_as_discriminator``) or a model built from ``discriminator_base_model``
  through the kinds table, with ``discriminator_base_ckpt`` loaded on top when given.
* Heads (upstream's class and state-dict names): :class:`ConvNeXtDiscriminator` (a
  :class:`ConvNeXtEncoder` down to one score channel) and :class:`ConvDiscriminator` (four
  stride-2 convolutions with GroupNorm(32)); both keep upstream's ``loss_type`` for their own
  :meth:`loss` (least-squares or relativistic), which ARC's training step does not call: ARC
  always trains with the relativistic softplus losses of :func:`relativistic_losses`.
* :func:`rolled_metadata`: the contrastive negatives (each item gets the next item's prompt),
  built on copies so the batch metadata is never changed (upstream mutates it: V10).
* :func:`approximate_penalty`: the approximate R1/R2 gradient penalty (score change under small
  input noise).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

PENALTY_NOISE = 0.05  # std of the input noise of the approximate R1/R2 penalties (upstream's)
CONTRASTIVE_KEYS = ("prompt",)  # metadata keys rolled for the contrastive negatives (upstream's)
CONV_GROUPS = 32


def _wn_conv(*args, **kwargs) -> nn.Module:
    return weight_norm(nn.Conv1d(*args, **kwargs))  # loads upstream's weight_g / weight_v keys


# --- heads ----------------------------------------------------------------------------------------


def gan_losses(real_scores: torch.Tensor, fake_scores: torch.Tensor,
               loss_type: str) -> dict[str, torch.Tensor]:
    """``{"loss_dis", "loss_adv"}`` of a head's ``loss_type``: least-squares GAN (real -> 1,
    fake -> 0) or relativistic softplus."""
    if loss_type == "lsgan":
        return {"loss_dis": fake_scores.pow(2).mean() + (1 - real_scores).pow(2).mean(),
                "loss_adv": (1 - fake_scores).pow(2).mean()}
    if loss_type == "relativistic":
        dis, adv = relativistic_losses(real_scores, fake_scores)
        return {"loss_dis": dis, "loss_adv": adv}
    raise ValueError(f"unknown discriminator loss_type {loss_type!r} (lsgan or relativistic)")


def relativistic_losses(real_scores: torch.Tensor,
                        fake_scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(discriminator loss, generator loss)``: softplus of minus / plus (real - fake)."""
    margin = real_scores - fake_scores
    return F.softplus(-margin).mean(), F.softplus(margin).mean()


class _Head(nn.Module):
    loss_type: str

    def loss(self, reals: torch.Tensor, fakes: torch.Tensor, *args, **kwargs):
        """The head's own GAN losses of ``loss_type`` for real and fake inputs."""
        return gan_losses(self(reals), self(fakes), self.loss_type)


class ConvNeXtBlock(nn.Module):
    """Depthwise conv, pointwise up-projection (optionally gated), activation, zero-initialised
    pointwise down-projection, residual."""

    def __init__(self, dim: int, kernel_size: int = 7, mult: int = 4, glu: bool = False):
        super().__init__()
        self.glu = glu
        self.dw_conv = _wn_conv(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.proj_up = _wn_conv(dim, dim * mult * (2 if glu else 1), 1)
        self.act = nn.SiLU() if glu else nn.GELU()
        self.proj_down = _wn_conv(dim * mult, dim, 1)
        # the block starts as the identity: a zero weight-norm gain (upstream zeroes the
        # computed weight, which its weight-norm hook recomputes before the first forward)
        with torch.no_grad():
            self.proj_down.parametrizations.weight.original0.zero_()
            self.proj_down.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.proj_up(self.dw_conv(x))
        if self.glu:
            h, gate = h.chunk(2, dim=1)
            h = h * torch.sigmoid(gate)
        return x + self.proj_down(self.act(h))


class ConvNextEncoderBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, num_blocks: int = 3,
                 conv_args: Mapping[str, Any] | None = None):
        super().__init__()
        self.layers = nn.ModuleList(ConvNeXtBlock(in_channels, **dict(conv_args or {}))
                                    for _ in range(num_blocks))
        self.downsample = _wn_conv(in_channels, out_channels, 2 * stride, stride=stride,
                                   padding=math.ceil(stride / 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return self.downsample(x)


class ConvNeXtEncoder(nn.Module):
    def __init__(self, in_channels: int = 2, channels: int = 128, latent_dim: int = 32,
                 c_mults: Sequence[int] = (1, 2, 4, 8), strides: Sequence[int] = (2, 4, 8, 8),
                 num_blocks: Sequence[int] | None = None,
                 conv_args: Mapping[str, Any] | None = None):
        super().__init__()
        widths = [channels] + [m * channels for m in c_mults]
        stages = len(c_mults)
        if len(strides) < stages or (num_blocks is not None and len(num_blocks) < stages):
            raise ValueError(f"ConvNeXtEncoder: {stages} stages (c_mults) need as many strides "
                             "and num_blocks")
        blocks = list(num_blocks) if num_blocks is not None else [3] * stages
        self.proj_in = _wn_conv(in_channels, widths[0], 7, padding=3)
        self.layers = nn.Sequential(
            *(ConvNextEncoderBlock(widths[i], widths[i + 1], strides[i], blocks[i], conv_args)
              for i in range(stages)),
            _wn_conv(widths[-1], latent_dim, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self.proj_in(x))


class ConvNeXtDiscriminator(_Head):
    """ConvNeXt encoder from the DiT width (``in_channels``) to ``latent_dim`` score channels."""

    def __init__(self, loss_type: str = "lsgan", **encoder_kwargs):
        super().__init__()
        self.loss_type = loss_type
        self.encoder = ConvNeXtEncoder(**encoder_kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class ConvDiscriminator(_Head):
    """Four (kernel 4, stride 2) convolutions with GroupNorm(32) and SiLU, then a kernel-4
    convolution to one score channel; scores optionally soft-clipped by tanh."""

    def __init__(self, channels: int, soft_clip_scale: float | None = None,
                 loss_type: str = "lsgan"):
        super().__init__()
        if channels % CONV_GROUPS:
            raise ValueError(f"ConvDiscriminator: the DiT width ({channels}) must be a multiple "
                             f"of {CONV_GROUPS} (GroupNorm groups)")
        self.loss_type = loss_type
        self.soft_clip_scale = soft_clip_scale
        layers: list[nn.Module] = []
        for _ in range(4):
            layers += [nn.Conv1d(channels, channels, 4, stride=2, padding=1),
                       nn.GroupNorm(CONV_GROUPS, channels), nn.SiLU()]
        layers.append(nn.Conv1d(channels, 1, 4, stride=1, padding=0))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.layers(x)
        if self.soft_clip_scale is not None:
            scores = self.soft_clip_scale * torch.tanh(scores / self.soft_clip_scale)
        return scores


def build_head(spec, width: int) -> _Head:
    """The head of a typed ``training.arc.discriminator`` over a DiT of ``width`` channels."""
    options = spec.config.model_dump()
    if spec.type == "conv":
        return ConvDiscriminator(channels=width, **options)
    return ConvNeXtDiscriminator(in_channels=width, latent_dim=1, **options)


# --- losses and negatives ---------------------------------------------------------------------


def rolled_metadata(metadata: Sequence[Mapping[str, Any]],
                    keys: Sequence[str] = CONTRASTIVE_KEYS) -> list[dict[str, Any]]:
    """New metadata where item i carries item (i + 1)'s ``keys`` (the batch is not changed)."""
    n = len(metadata)
    rolled = [dict(item) for item in metadata]
    for i, item in enumerate(rolled):
        for key in keys:
            if key not in metadata[(i + 1) % n]:
                raise ValueError(f"training.arc.discriminator.contrastive: batch item "
                                 f"{(i + 1) % n} has no {key!r} in its metadata")
            item[key] = metadata[(i + 1) % n][key]
    return rolled


def approximate_penalty(score: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                        scores: torch.Tensor, std: float = PENALTY_NOISE) -> torch.Tensor:
    """Per-item squared change of the scores when ``x`` gets Gaussian noise of ``std``: a
    finite-difference stand-in for the squared gradient norm (R1 on reals, R2 on fakes)."""
    change = score(x + std * torch.randn_like(x)) - scores
    return change.pow(2).flatten(1).sum(1)


# --- the base model and checkpoints -----------------------------------------------------------


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from ``.safetensors`` or a ``{"state_dict": ...}`` file (weights only)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        if not path.is_file():
            raise FileNotFoundError(f"checkpoint {path} does not exist")
        return load_file(str(path))
    from ...training.checkpoints import load_state_dict

    return load_state_dict(path)


def load_into(module: nn.Module, path: str | Path, what: str) -> None:
    """Load ``path`` into ``module`` non-strictly (as upstream), accepting an exported model
    file or a training checkpoint (keys under ``diffusion.``); a file that matches none of the
    module's keys is an error rather than a silent no-op."""
    state = load_weights(path)
    own = module.state_dict()
    if not own.keys() & state.keys():
        prefixed = {k[len("diffusion."):]: v for k, v in state.items()
                    if k.startswith("diffusion.")}
        if own.keys() & prefixed.keys():
            state = prefixed
        else:
            raise ValueError(f"{what}: no weight of {path} matches the model (keys like "
                             f"{next(iter(state), '-')!r} vs {next(iter(own), '-')!r})")
    module.load_state_dict(state, strict=False)


def build_model_config(model_config) -> nn.Module:
    """A complete typed model config (``ArcModelConfig``) built by its kind's model builder."""
    from ...kinds import kind_of

    kind = kind_of(model_config)
    if kind is None:
        raise ValueError(f"no kind for model_type {model_config.model_type!r}")
    return kind.part("model")(model_config)


def dit_width(model: nn.Module, what: str) -> int:
    """The transformer width of a conditioned DiT model (what the head reads)."""
    transformer = getattr(getattr(getattr(model, "model", None), "model", None), "transformer",
                          None)
    if transformer is None or not hasattr(transformer, "dim"):
        raise ValueError(f"{what}: ARC needs a DiT (model.diffusion.type 'dit'): its hidden "
                         "states feed the discriminator head")
    return transformer.dim


def build_discriminator_base(arc, student: nn.Module) -> nn.Module:
    """The discriminator base of a typed ``training.arc``: ``discriminator_base_model`` built
    fresh, or (``use_model_as_discriminator``) a copy of the student with its current weights;
    then ``discriminator_base_ckpt`` on top. No source is a clear error (upstream: V9)."""
    if arc.discriminator_base_model is not None:
        base = build_model_config(arc.discriminator_base_model)
    elif arc.use_model_as_discriminator:
        base = copy.deepcopy(student)
    else:
        raise ValueError("training.arc needs a discriminator base: set "
                         "discriminator_base_model or use_model_as_discriminator: true")
    if arc.discriminator_base_ckpt is not None:
        load_into(base, arc.discriminator_base_ckpt, "training.arc.discriminator_base_ckpt")
    dit_width(base, "training.arc discriminator base")
    return base


def build_teacher(arc, student: nn.Module) -> nn.Module | None:
    """The frozen ODE warm-up teacher: ``teacher_model`` or (``use_model_as_teacher``) a copy of
    the student, with ``teacher_model_ckpt`` loaded (required, as upstream); None without one."""
    if arc.teacher_model is not None:
        teacher = build_model_config(arc.teacher_model)
    elif arc.use_model_as_teacher:
        teacher = copy.deepcopy(student)
    else:
        return None
    if arc.teacher_model_ckpt is None:
        raise ValueError("training.arc: a teacher needs teacher_model_ckpt (its weights)")
    load_into(teacher, arc.teacher_model_ckpt, "training.arc.teacher_model_ckpt")
    return teacher.eval().requires_grad_(False)
