"""DataLoaders for training: synthetic audio without a dataset config, else the config's type."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader

from ..errors import DatasetError
from ..parts import Parts
from .audio_dir import AudioDirDataset
from .synthetic import SyntheticAudio

DATASETS = Parts("dataset", {
    "audio_dir": lambda cfg, model: AudioDirDataset(cfg, model.sample_rate, model.sample_size,
                                                    model.audio_channels),
})


def collate(items: list[tuple[torch.Tensor, dict[str, Any]]]):
    """``(audio (batch, channels, samples), [metadata per item])`` as upstream's loaders yield."""
    audio, metadata = zip(*items)
    return torch.stack(audio), list(metadata)


def create_dataset(config, dataset_config=None, seed: int = 0):
    """The dataset for typed ``config`` (sample rate, size, channels) and an optional typed
    dataset config (``sat_config.load_dataset_config``)."""
    if dataset_config is None:
        return SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                              seed=seed)
    return DATASETS.build(dataset_config.dataset_type, dataset_config, config)


def create_dataloader(config, dataset_config=None, *, batch_size: int, num_workers: int = 0,
                      shuffle: bool = True, seed: int = 0) -> DataLoader:
    dataset = create_dataset(config, dataset_config, seed)
    drop_last = dataset_config.drop_last if dataset_config is not None else True
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                      persistent_workers=num_workers > 0, drop_last=drop_last and shuffle,
                      collate_fn=collate)


def check_trainable(loader: DataLoader) -> None:
    """Refuse, before training, a loader that yields no batch or whose dataset holds no
    readable item (otherwise Lightning runs 0 steps and reports success)."""
    dataset = loader.dataset
    if len(loader) == 0:
        raise DatasetError(f"the dataset has {len(dataset)} item(s), fewer than one batch of "
                           f"{loader.batch_size} (batches are never partial: drop_last); lower "
                           "--batch-size or add audio")
    dataset[0]  # an audio directory raises DatasetError here when no file is readable
