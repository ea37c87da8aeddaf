"""DataLoaders for training: synthetic audio without a dataset config, else the config's type."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset

from ..errors import DatasetError
from ..parts import Parts
from .audio_dir import AudioDirDataset
from .synthetic import SyntheticAudio



def _pre_encoded(cfg, model, **_: Any):
    from .pre_encoded import PreEncodedDataset, expected_latent_shape

    return PreEncodedDataset(cfg, *expected_latent_shape(model))


def _webdataset(cfg, model, *, batch_size: int = 1, seed: int = 0):
    from .wds import WebDatasetStream

    return WebDatasetStream(cfg, model.sample_rate, model.sample_size, model.audio_channels,
                            batch_size=batch_size, seed=seed)


DATASETS = Parts("dataset", {
    "audio_dir": lambda cfg, model, **_: AudioDirDataset(cfg, model.sample_rate,
                                                         model.sample_size, model.audio_channels),
    "pre_encoded": _pre_encoded,
    "wds": _webdataset,
    "s3": _webdataset,
})


def collate(items: list[tuple[torch.Tensor, dict[str, Any]]]):
    """``(audio (batch, channels, samples), [metadata per item])`` as upstream's loaders yield."""
    audio, metadata = zip(*items)
    return torch.stack(audio), list(metadata)


def create_dataset(config, dataset_config=None, seed: int = 0, batch_size: int = 1):
    """The dataset for typed ``config`` (sample rate, size, channels) and an optional typed
    dataset config (``sat_config.load_dataset_config``). ``batch_size`` sizes the epochs of
    endless streams (``epoch_steps`` batches)."""
    if dataset_config is None:
        return SyntheticAudio(config.sample_rate, config.sample_size, config.audio_channels,
                              seed=seed)
    check_latents_agree(config, dataset_config)
    return DATASETS.build(dataset_config.dataset_type, dataset_config, config,
                          batch_size=batch_size, seed=seed)


def check_latents_agree(config, dataset_config) -> None:
    """``training.pre_encoded`` and the dataset must agree on audio versus latents."""
    training = getattr(config, "training", None)
    wants = bool(getattr(training, "pre_encoded", False))
    gives = dataset_config.dataset_type == "pre_encoded" or \
        bool(getattr(dataset_config, "pre_encoded", False))
    if wants and not gives:
        raise DatasetError(f"training.pre_encoded is true but the {dataset_config.dataset_type} "
                           "dataset yields audio (use a pre_encoded dataset, or wds with "
                           "pre_encoded: true)")
    if gives and not wants:
        if hasattr(training, "pre_encoded"):
            raise DatasetError("the dataset yields pre-encoded latents: set "
                               "training.pre_encoded to true")
        raise DatasetError(f"{config.model_type} models train on audio, but the dataset yields "
                           "pre_encoded latents")


def create_dataloader(config, dataset_config=None, *, batch_size: int, num_workers: int = 0,
                      shuffle: bool = True, seed: int = 0) -> DataLoader:
    dataset = create_dataset(config, dataset_config, seed, batch_size)
    drop_last = dataset_config.drop_last if dataset_config is not None else True
    if isinstance(dataset, IterableDataset):  # streams shuffle by drawing shards; never partial
        return DataLoader(dataset, batch_size=batch_size, num_workers=num_workers,
                          persistent_workers=num_workers > 0, drop_last=drop_last,
                          collate_fn=collate)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                      persistent_workers=num_workers > 0, drop_last=drop_last and shuffle,
                      collate_fn=collate)


def check_trainable(loader: DataLoader) -> None:
    """Refuse, before training, a loader that yields no batch or whose dataset holds no
    readable item (otherwise Lightning runs 0 steps and reports success)."""
    dataset = loader.dataset
    if isinstance(dataset, IterableDataset):
        if next(iter(dataset), None) is None:
            raise DatasetError("the stream yields no readable item (every shard empty or "
                               "unreadable?)")
        return
    if len(loader) == 0:
        raise DatasetError(f"the dataset has {len(dataset)} item(s), fewer than one batch of "
                           f"{loader.batch_size} (batches are never partial: drop_last); lower "
                           "--batch-size or add audio")
    dataset[0]  # an audio directory raises DatasetError here when no file is readable
