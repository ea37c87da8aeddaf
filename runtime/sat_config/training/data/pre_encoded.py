"""Pre-encoded latents (``dataset_type: pre_encoded``): one ``.<latent_extension>`` array
``(channels, frames)`` per item with a ``.json`` metadata file beside it, as upstream's
pre-encoding script writes them (and ``sat-config pre-encode``).

Every file's shape is read (from the ``.npy`` header only) when the dataset is built and checked
against what the model expects, so a mismatch names its file before training starts.
"""

from __future__ import annotations

import json
import logging
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import DatasetError
from .audio_dir import MetadataFn, is_regular_file, load_metadata_fn

log = logging.getLogger(__name__)

FILELIST = "filelist.txt"
"""A directory holding this file lists its latent files (relative paths, one a line) instead
of being scanned."""


def find_latents(root: str | Path, extension: str) -> list[Path]:
    """Latent files under ``root``: those named by its ``filelist.txt``, else every
    ``*.<extension>`` found recursively (hidden files skipped), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"latent directory {root} does not exist")
    listing = root / FILELIST
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
        return [root / name for name in names]
    found = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(f".{extension}") and not name.startswith("."):
                path = Path(dirpath) / name
                if is_regular_file(path):
                    found.append(path)
    return sorted(found)


def latent_shape(path: Path) -> tuple[int, ...]:
    """The array's shape from its header, without reading the data."""
    try:
        return tuple(np.load(path, mmap_mode="r", allow_pickle=False).shape)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable latent array ({exc})") from None


def expected_latent_shape(config) -> tuple[int, int]:
    """``(channels, frames)`` the model of typed ``config`` trains on from latents: its
    pretransform's encoded channels and ``sample_size / downsampling_ratio``. The pretransform is
    built on the meta device (no weights are allocated)."""
    from ..components.pretransforms import build_pretransform

    spec = getattr(config.model, "pretransform", None)
    if spec is None:
        return config.audio_channels, config.sample_size
    if spec.type == "autoencoder":
        with torch.device("meta"):
            pretransform = build_pretransform(spec, config.sample_rate)
    else:
        pretransform = build_pretransform(spec, config.sample_rate)
    return pretransform.encoded_channels, config.sample_size // pretransform.downsampling_ratio


def metadata_path(latent: Path, extension: str) -> Path:
    return latent.with_name(latent.name[: -len(extension) - 1] + ".json")


class PreEncodedDataset(Dataset):
    """Items ``(latents (channels, frames), metadata)``.

    ``channels``/``frames``: the shape training needs (``expected_latent_shape``); a file whose
    channels differ, or that is shorter than ``frames`` (or, uncropped, not exactly ``frames``),
    raises :class:`DatasetError` naming it. Items outside ``min_length_sec``/``max_length_sec``
    are left out when the dataset is built (their metadata is read then).
    """

    def __init__(self, dataset_config, channels: int | None = None, frames: int | None = None):
        cfg = dataset_config
        self.extension = cfg.latent_extension
        self.crop = cfg.latent_crop_length
        self.random_crop = cfg.random_crop
        if self.crop is not None and frames is not None and self.crop != frames:
            raise DatasetError(f"latent_crop_length {self.crop} differs from the model's latent "
                               f"length {frames} (sample_size / the pretransform's downsampling "
                               "ratio); batches would not fit the model")
        self.items: list[tuple[Path, MetadataFn | None]] = []
        for source in cfg.datasets:
            fn = load_metadata_fn(source.custom_metadata_module) \
                if source.custom_metadata_module else None
            for path in find_latents(source.path, self.extension):
                info = self._read_info(path)
                seconds = info.get("seconds_total")
                if cfg.min_length_sec is not None and seconds is not None \
                        and seconds < cfg.min_length_sec:
                    continue
                if cfg.max_length_sec is not None and seconds is not None \
                        and seconds > cfg.max_length_sec:
                    continue
                self._check_shape(path, channels, frames)
                self.items.append((path, fn))
        if not self.items:
            raise DatasetError(f"no latent files (*.{self.extension} with a .json beside each) "
                               "under " + ", ".join(s.path for s in cfg.datasets))

    def _read_info(self, path: Path) -> dict[str, Any]:
        md = metadata_path(path, self.extension)
        try:
            info = json.loads(md.read_text())
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{md}: metadata of {path.name} unreadable ({exc})") from None
        if not isinstance(info, dict) or "padding_mask" not in info or \
                "seconds_total" not in info:
            raise DatasetError(f"{md}: metadata must be an object with 'padding_mask' and "
                               "'seconds_total'")
        return info

    def _check_shape(self, path: Path, channels: int | None, frames: int | None) -> None:
        shape = latent_shape(path)
        if len(shape) != 2:
            raise DatasetError(f"{path}: latents have shape {list(shape)}, expected "
                               "(channels, frames)")
        if channels is not None and shape[0] != channels:
            raise DatasetError(f"{path}: {shape[0]} latent channels, but the model's pretransform "
                               f"encodes to {channels} (pre-encoded with another model?)")
        if frames is None:
            return
        if shape[1] < frames or (self.crop is None and shape[1] != frames):
            raise DatasetError(f"{path}: {shape[1]} latent frames, but the model trains on "
                               f"{frames} (sample_size / downsampling ratio)"
                               + ("" if self.crop else "; set latent_crop_length to crop "
                                  "longer files"))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        for attempt in range(len(self.items)):
            item = self._load((index + attempt) % len(self.items))
            if item is not None:
                return item
        raise DatasetError("get_custom_metadata rejected every latent file (__reject__)")

    def _load(self, index: int):
        path, fn = self.items[index]
        latents = torch.from_numpy(np.load(path, allow_pickle=False).astype(np.float32))
        info = self._read_info(path)
        mask = list(info["padding_mask"])
        info["latent_filename"] = str(path)
        if self.crop is not None:
            last = len(mask) - 1 - mask[::-1].index(1) if 1 in mask else 0
            start = random.randint(0, last - self.crop) \
                if self.random_crop and last > self.crop else 0
            start = min(start, latents.shape[-1] - self.crop)
            latents = latents[:, start: start + self.crop]
            mask = mask[start: start + self.crop]
            info.update(latent_crop_length=self.crop, latent_crop_start=start)
        info["padding_mask"] = torch.tensor(mask, dtype=torch.bool)
        if fn is not None:
            info.update(fn(info, latents))
            if info.pop("__reject__", False):  # upstream's hook can drop an item
                return None
            replacement = info.pop("__replace__", None)
            if replacement is not None:
                latents = torch.as_tensor(replacement)
        return latents, info
