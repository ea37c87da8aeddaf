"""Local audio directories (``dataset_type: audio_dir``): soundfile decoding, resampling,
channel conversion, random crop or zero pad with a padding mask, per-item metadata."""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import stat
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import Dataset

from ..errors import DatasetError

log = logging.getLogger(__name__)

EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".aif", ".aiff", ".opus")
MetadataFn = Callable[[dict[str, Any], torch.Tensor], dict[str, Any]]
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1_000, 768_000
"""Header sample rates outside this range are refused: an absurd one (a corrupt or hostile
header) would make resampling cost gigabytes."""
MAX_RESAMPLE_FACTOR = 1_000
"""Largest polyphase up/down factor (the filter has ~20x as many taps): a ratio such as
44100/44101 is approximated by the nearest fraction with smaller terms, a pitch change far
below what anyone hears, instead of a 1.7M-tap filter."""


def is_regular_file(path: Path) -> bool:
    """True for a regular file (following links); FIFOs and devices are never opened: reading a
    FIFO blocks until a writer comes, a device may never end."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def find_audio(root: str | Path) -> list[Path]:
    """Audio files under ``root`` (recursive, hidden and non-regular files skipped), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset directory {root} does not exist")
    found = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            if Path(name).suffix.lower() not in EXTENSIONS or name.startswith("."):
                continue
            path = Path(dirpath) / name
            if is_regular_file(path):
                found.append(path)
            else:
                log.warning("skipping %s: not a regular file", path)
    return sorted(found)


def load_metadata_fn(path: str | Path) -> MetadataFn:
    """``get_custom_metadata`` of the Python file ``path``.

    This runs the user's own code, named by their dataset config (upstream's documented
    ``custom_metadata_module`` feature); nothing else in sat-config imports code from configs.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"custom_metadata_module {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"sat_config_custom_metadata_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, "get_custom_metadata", None)
    if not callable(fn):
        raise AttributeError(f"{path} defines no get_custom_metadata(info, audio) function")
    return _CheckedMetadataFn(fn, path)


class _CheckedMetadataFn:
    """``get_custom_metadata`` with its result checked: a dict (or None: nothing to add); the
    hook gets a copy of ``info`` so it cannot remove what the conditioners need."""

    def __init__(self, fn: MetadataFn, path: Path):
        self.fn, self.path = fn, path

    def __call__(self, info: dict[str, Any], audio: torch.Tensor | None) -> dict[str, Any]:
        result = self.fn(dict(info), audio)
        if result is None:
            return {}
        if not isinstance(result, dict):
            raise DatasetError(f"custom_metadata_module {self.path}: get_custom_metadata "
                               f"returned {type(result).__name__}, not a dict")
        return result


def resample(audio: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling of ``(channels, samples)`` audio."""
    if source_rate == target_rate:
        return audio
    from scipy.signal import resample_poly

    ratio = Fraction(target_rate, source_rate).limit_denominator(MAX_RESAMPLE_FACTOR)
    return resample_poly(audio, ratio.numerator, ratio.denominator, axis=-1).astype(np.float32)


def convert_channels(audio: np.ndarray, channels: int) -> np.ndarray:
    """Mono mix-down for 1 channel; otherwise repeat (mono) or drop extra channels."""
    have = audio.shape[0]
    if channels == 1:
        return audio.mean(axis=0, keepdims=True)
    if have < channels:
        return np.concatenate([audio] * math.ceil(channels / have))[:channels]
    return audio[:channels]


def pad_crop(audio: torch.Tensor, size: int, sample_rate: int, randomize: bool):
    """Crop (random or from the start) or zero-pad to ``size``; metadata as upstream computes it."""
    n = audio.shape[-1]
    upper = max(0, n - size)
    offset = int(torch.randint(0, upper + 1, ())) if randomize and n > size else 0
    chunk = audio.new_zeros(audio.shape[0], size)
    chunk[:, : min(n, size)] = audio[:, offset: offset + size]
    mask = torch.zeros(size)
    mask[: min(n, size)] = 1
    info = {"timestamps": (offset / (upper + size), (offset + size) / (upper + size)),
            "seconds_start": math.floor(offset / sample_rate),
            "seconds_total": math.ceil(n / sample_rate), "padding_mask": mask}
    return chunk, info


class AudioDirDataset(Dataset):
    """Items ``(audio (channels, sample_size), metadata)`` from local directories.

    A file that cannot be decoded is reported (with its path) once, remembered, and replaced by
    the next readable file, so one bad file never stops an epoch.
    """

    def __init__(self, dataset_config, sample_rate: int, sample_size: int, channels: int):
        self.sample_rate, self.sample_size, self.channels = sample_rate, sample_size, channels
        self.random_crop = dataset_config.random_crop
        self.files: list[tuple[Path, Path, MetadataFn | None]] = []
        for source in dataset_config.datasets:
            fn = load_metadata_fn(source.custom_metadata_module) \
                if source.custom_metadata_module else None
            self.files += [(path, Path(source.path), fn) for path in find_audio(source.path)]
        if not self.files:
            raise DatasetError("no audio files (" + ", ".join(EXTENSIONS) + ") under " +
                               ", ".join(s.path for s in dataset_config.datasets))
        self.unreadable: set[int] = set()

    def __len__(self) -> int:
        return len(self.files)

    def load(self, path: Path) -> torch.Tensor:
        if not is_regular_file(path):  # replaced since the listing
            raise ValueError("not a regular file")
        rate = sf.info(str(path)).samplerate  # the header alone, before decoding anything
        if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
            raise ValueError(f"its header claims a sample rate of {rate} Hz (accepted: "
                             f"{MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE})")
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        if data.shape[0] == 0:
            raise sf.SoundFileError("the file holds no audio frames")
        if not np.isfinite(data).all():
            raise ValueError("it holds NaN or infinite samples")
        audio = convert_channels(resample(data.T, rate, self.sample_rate), self.channels)
        return torch.from_numpy(np.ascontiguousarray(audio)).clamp(-1, 1)

    def __getitem__(self, index: int):
        for attempt in range(len(self.files)):
            i = (index + attempt) % len(self.files)
            if i in self.unreadable:
                continue
            path, root, metadata_fn = self.files[i]
            start = time.perf_counter()
            try:
                audio = self.load(path)
            except (sf.SoundFileError, OSError, ValueError) as exc:
                self.unreadable.add(i)
                log.warning("skipping unreadable audio file %s: %s", path, exc)
                continue
            return self._item(audio, path, root, metadata_fn, start)
        raise DatasetError(f"none of the {len(self.files)} audio files could be read")

    def _item(self, audio, path: Path, root: Path, metadata_fn, start: float):
        chunk, info = pad_crop(audio, self.sample_size, self.sample_rate, self.random_crop)
        info.update(path=str(path), relpath=str(path.relative_to(root)),
                    sample_rate=self.sample_rate, load_time=time.perf_counter() - start)
        if metadata_fn is not None:
            info.update(metadata_fn(info, chunk))
        return chunk, info
