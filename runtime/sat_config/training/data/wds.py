"""WebDataset shards (``dataset_type: wds``, older name ``s3``): tar files of audio
(``.flac``/``.wav``/...) or latents (``.npy``) with a ``.json`` of metadata per item, read from a
local directory or an S3 prefix (boto3; the endpoint comes from ``AWS_ENDPOINT_URL`` as the AWS
tools read it, so S3-compatible stores work), unpacked with the ``webdataset`` package.

Shards are dealt out over every DataLoader worker of every rank: the ``k``-th of
``world_size * num_workers`` readers takes shards ``k, k + n, ...`` (``resampled_shards: false``),
so an epoch reads each item once; with ``resampled_shards: true`` every reader draws shards at
random from the whole list (upstream's endless stream), ``epoch_steps`` batches per epoch.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ...errors import not_built
from ..errors import DatasetError
from .audio_dir import convert_channels, load_metadata_fn, pad_crop, resample

log = logging.getLogger(__name__)

AUDIO_KEYS = ("flac", "wav", "mp3", "ogg", "opus", "aif", "aiff")


# --- shard lists and streams -------------------------------------------------------------------


def _s3_client(profile: str | None):
    try:
        import boto3
    except ImportError:
        raise not_built("dataset", "s3_path", why="reading S3 needs the boto3 package "
                        "(pip install boto3)") from None
    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    return session.client("s3")


def _split_s3(url: str) -> tuple[str, str]:
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def list_shards(source) -> list[str]:
    """Shard URLs of one ``datasets`` entry: local paths, or ``s3://bucket/key`` URLs."""
    if source.path is not None:
        root = Path(source.path)
        if not root.is_dir():
            raise DatasetError(f"shard directory {root} does not exist")
        return sorted(str(p) for p in root.rglob("*.tar") if not p.name.startswith("."))
    bucket, prefix = _split_s3(source.s3_path)
    urls = []
    try:
        client = _s3_client(source.profile)
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            urls += [f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", [])
                     if o["Key"].endswith(".tar")]
    except NotImplementedError:
        raise
    except Exception as exc:  # botocore's errors (no profile, credentials, bucket or endpoint)
        raise DatasetError(f"cannot list {source.s3_path}: {exc}") from None
    return sorted(urls)


def open_shard(url: str, profile: str | None):
    if url.startswith("s3://"):
        bucket, key = _split_s3(url)
        return _s3_client(profile).get_object(Bucket=bucket, Key=key)["Body"]
    return open(url, "rb")


def reader_slot(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """``(this reader's index, number of readers)`` over ranks and DataLoader workers."""
    if rank is None or world_size is None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
        else:
            rank = int(os.environ.get("RANK", 0))
            world_size = int(os.environ.get("WORLD_SIZE", 1))
    worker = get_worker_info()
    worker_id, workers = (worker.id, worker.num_workers) if worker is not None else (0, 1)
    return rank * workers + worker_id, world_size * workers


# --- per-item processing -----------------------------------------------------------------------


def remove_long_silence(audio: torch.Tensor, sample_rate: int, threshold: list[float],
                        max_duration: float) -> torch.Tensor:
    """Mono audio with each run of near-silent samples (``|x| < threshold[0]``) longer than
    ``max_duration`` seconds cut down to a random ``threshold[1]``-second piece of itself."""
    level, keep_seconds = threshold
    longest, keep = int(max_duration * sample_rate), int(keep_seconds * sample_rate)
    quiet = (audio[0].abs() < level).tolist()
    pieces, start = [], 0
    n = len(quiet)
    while start < n:
        end = start
        while end < n and quiet[end] == quiet[start]:
            end += 1
        run = audio[:, start:end]
        if quiet[start] and end - start > longest and end - start > keep:
            offset = random.randint(0, end - start - keep)
            run = run[:, offset: offset + keep]
        pieces.append(run)
        start = end
    return torch.cat(pieces, dim=1) if pieces else audio


def _loudness_normaliser(target: float, spread: float, sample_rate: int):
    try:
        import pyloudnorm
    except ImportError:
        raise not_built("dataset option", "volume_norm",
                        why="loudness normalisation needs the pyloudnorm package "
                            "(pip install pyloudnorm)") from None
    meter = pyloudnorm.Meter(sample_rate)

    def normalise(audio: torch.Tensor) -> torch.Tensor:
        data = audio.numpy().T.astype(np.float64)
        loudness = meter.integrated_loudness(data)
        if not math.isfinite(loudness):
            return audio
        goal = target + random.uniform(-spread, spread)
        return torch.from_numpy(pyloudnorm.normalize.loudness(data, loudness, goal).T
                                .astype(np.float32)).clamp(-1, 1)

    return normalise


class WebDatasetStream(IterableDataset):
    """Items ``(audio (channels, sample_size) or latents, metadata)`` from WebDataset shards."""

    def __init__(self, dataset_config, sample_rate: int, sample_size: int, channels: int, *,
                 batch_size: int = 1, seed: int = 0, rank: int | None = None,
                 world_size: int | None = None):
        cfg = dataset_config
        self.cfg, self.sample_rate, self.sample_size, self.channels = \
            cfg, sample_rate, sample_size, channels
        self.batch_size, self.seed, self.rank, self.world_size = \
            batch_size, seed, rank, world_size
        self.normalise = _loudness_normaliser(*cfg.volume_norm_param, sample_rate) \
            if cfg.volume_norm else None
        self.shards: list[tuple[str, Any]] = []
        for source in cfg.datasets:
            fn = load_metadata_fn(source.custom_metadata_module) \
                if source.custom_metadata_module else None
            self.shards += [(url, source, fn) for url in list_shards(source)]
        if not self.shards:
            raise DatasetError("no .tar shards under " + ", ".join(
                s.path or s.s3_path for s in cfg.datasets))
        self.epoch = 0

    def __len__(self) -> int:
        if not self.cfg.resampled_shards:
            raise TypeError("a stream over shards read once has no length known in advance")
        return self.cfg.epoch_steps * self.batch_size

    def _my_shards(self, slot: int, readers: int, rng: random.Random):
        if self.cfg.resampled_shards:
            while True:
                yield rng.choice(self.shards)
        else:
            yield from self.shards[slot::readers]

    def __iter__(self):
        slot, readers = reader_slot(self.rank, self.world_size)
        self.epoch += 1
        rng = random.Random(hash((self.seed, self.epoch, slot)))
        worker = get_worker_info()
        worker_id, workers = (worker.id, worker.num_workers) if worker is not None else (0, 1)
        quota = None
        if self.cfg.resampled_shards:  # this rank's epoch_steps batches, dealt out over workers
            steps = self.cfg.epoch_steps
            quota = (steps // workers + (worker_id < steps % workers)) * self.batch_size
        count = 0
        for url, source, fn in self._my_shards(slot, readers, rng):
            for sample in self._samples(url, source):
                item = self._process(sample, fn)
                if item is None:
                    continue
                yield item
                count += 1
                if quota is not None and count >= quota:
                    return

    def _samples(self, url: str, source):
        from webdataset.tariterators import group_by_keys, tar_file_expander

        try:
            stream = open_shard(url, source.profile)
        except Exception as exc:
            log.warning("skipping shard %s: %s", url, exc)
            return
        try:
            files = tar_file_expander([{"url": url, "stream": stream}])
            yield from group_by_keys(files)
        except Exception as exc:  # a truncated or corrupt tar: skip the rest of this shard
            log.warning("skipping the rest of shard %s: %s", url, exc)
        finally:
            stream.close()

    def _process(self, sample: dict[str, Any], fn):
        info: dict[str, Any] = {}
        if "json" in sample:
            try:
                info.update(json.loads(sample["json"]))
            except ValueError as exc:
                log.warning("item %s: unreadable json (%s)", sample.get("__key__"), exc)
        info.update(__key__=sample["__key__"], __url__=sample.get("__url__"))
        try:
            if self.cfg.pre_encoded:
                data, info = self._latents(sample, info)
            else:
                data, info = self._audio(sample, info)
        except (sf.SoundFileError, ValueError, KeyError, OSError) as exc:
            log.warning("skipping item %s of %s: %s", sample["__key__"], sample.get("__url__"),
                        exc)
            return None
        if fn is not None:
            info.update(fn(info, data))
            if info.get("__reject__"):
                return None
        return data, info

    def _latents(self, sample, info):
        if "npy" not in sample:
            raise KeyError("no .npy latents")
        latents = torch.from_numpy(np.load(io.BytesIO(sample["npy"]), allow_pickle=False)
                                   .astype(np.float32))
        mask = list(info.get("padding_mask", [1] * latents.shape[-1]))
        crop = self.cfg.latent_crop_length
        if crop is not None:
            last = len(mask) - 1 - mask[::-1].index(1) if 1 in mask else 0
            start = random.randint(0, last - crop) if self.cfg.random_crop and last > crop else 0
            latents, mask = latents[:, start: start + crop], mask[start: start + crop]
            info.update(latent_crop_length=crop, latent_crop_start=start)
        info["padding_mask"] = torch.tensor(mask, dtype=torch.bool)
        return latents, info

    def _audio(self, sample, info):
        key = next((k for k in AUDIO_KEYS if k in sample), None)
        if key is None:
            raise KeyError("no audio (" + ", ".join(AUDIO_KEYS) + ")")
        data, rate = sf.read(io.BytesIO(sample[key]), dtype="float32", always_2d=True)
        if data.shape[0] == 0 or not np.isfinite(data).all():
            raise ValueError("empty, NaN or infinite audio")
        audio = convert_channels(resample(data.T, rate, self.sample_rate), self.channels)
        audio = torch.from_numpy(np.ascontiguousarray(audio)).clamp(-1, 1)
        if self.cfg.remove_silence and audio.shape[0] == 1:
            audio = remove_long_silence(audio, self.sample_rate, list(self.cfg.silence_threshold),
                                        self.cfg.max_silence_duration)
        if self.normalise is not None:
            audio = self.normalise(audio)
        chunk, crop_info = pad_crop(audio, self.sample_size, self.sample_rate,
                                    self.cfg.random_crop)
        info.update(crop_info, sample_rate=self.sample_rate)
        return chunk, info
