"""Synthetic audio and local audio directories."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from training_helpers import load_typed, tiny_config

import sat_config
from sat_config.training.data.audio_dir import AudioDirDataset
from sat_config.training.data.loaders import create_dataloader, create_dataset
from sat_config.training.data.synthetic import SyntheticAudio


def test_synthetic_audio_is_deterministic_and_shaped_by_the_config() -> None:
    a = SyntheticAudio(16000, 4096, 2, seed=3)
    b = SyntheticAudio(16000, 4096, 2, seed=3)
    audio, info = a[7]
    assert audio.shape == (2, 4096) and audio.dtype == torch.float32
    assert torch.equal(audio, b[7][0])
    assert not torch.equal(audio, a[8][0])
    assert not torch.equal(audio, SyntheticAudio(16000, 4096, 2, seed=4)[7][0])
    assert 0.4 < audio.abs().max() <= 0.5
    assert info["padding_mask"].shape == (4096,) and info["sample_rate"] == 16000


def test_synthetic_audio_has_tones_and_a_chirp() -> None:
    audio, _ = SyntheticAudio(16000, 16000, 1, seed=0)[0]
    spectrum = np.abs(np.fft.rfft(audio[0].numpy()))
    peak_to_median = spectrum.max() / np.median(spectrum)
    assert peak_to_median > 50  # tonal, not just noise


def test_the_loader_collates_audio_and_keeps_metadata_per_item() -> None:
    typed = load_typed(tiny_config(1))
    audio, metadata = next(iter(create_dataloader(typed, batch_size=3)))
    assert audio.shape == (3, 1, typed.sample_size)
    assert isinstance(metadata, list) and len(metadata) == 3 and "path" in metadata[0]


def _write(path: Path, seconds: float, rate: int, channels: int, freq: float = 440.0) -> None:
    t = np.arange(int(seconds * rate)) / rate
    data = np.stack([0.5 * np.sin(2 * np.pi * freq * t)] * channels, axis=1)
    sf.write(path, data, rate)


@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    root = tmp_path / "audio"
    (root / "sub").mkdir(parents=True)
    _write(root / "long_stereo_44k.wav", 1.0, 44100, 2)
    _write(root / "sub" / "short_mono_8k.flac", 0.1, 8000, 1)
    _write(root / "sub" / ".hidden.wav", 0.1, 8000, 1)
    (root / "broken.wav").write_bytes(b"RIFF not really a wav file")
    (root / "notes.txt").write_text("not audio")
    return root


def _dataset_config(root: Path, **extra) -> object:
    return sat_config.load_dataset_config(
        {"dataset_type": "audio_dir", "datasets": [{"id": "test", "path": str(root), **extra}],
         "random_crop": True})


def test_audio_dir_resamples_converts_channels_and_pads(audio_dir: Path) -> None:
    typed = load_typed(tiny_config(2))  # 8 kHz stereo, 2048 samples
    dataset = create_dataset(typed, _dataset_config(audio_dir))
    assert isinstance(dataset, AudioDirDataset)
    names = [p.name for p, _, _ in dataset.files]
    assert names == ["broken.wav", "long_stereo_44k.wav", "short_mono_8k.flac"]
    long_audio, long_info = dataset[1]
    assert long_audio.shape == (2, 2048) and long_info["padding_mask"].all()
    assert long_info["seconds_total"] == 1 and long_info["relpath"] == "long_stereo_44k.wav"
    freqs = np.fft.rfftfreq(2048, 1 / 8000)
    peak = freqs[np.abs(np.fft.rfft(long_audio[0].numpy())).argmax()]
    assert abs(peak - 440) < 8  # resampled 44.1 kHz -> 8 kHz keeps the pitch
    short, short_info = dataset[2]
    assert short.shape == (2, 2048) and torch.equal(short[0], short[1])  # mono -> stereo
    assert short_info["padding_mask"].sum() == 800 and short[:, 800:].abs().sum() == 0


def test_audio_dir_mixes_down_to_mono(audio_dir: Path) -> None:
    dataset = create_dataset(load_typed(tiny_config(1)), _dataset_config(audio_dir))
    assert dataset[1][0].shape == (1, 2048)


def test_unreadable_files_are_reported_with_their_path_and_skipped(audio_dir, caplog) -> None:
    dataset = create_dataset(load_typed(tiny_config(2)), _dataset_config(audio_dir))
    with caplog.at_level(logging.WARNING):
        audio, info = dataset[0]  # broken.wav -> the next readable file
    assert info["path"].endswith("long_stereo_44k.wav")
    assert "broken.wav" in caplog.text
    batches = list(create_dataloader(load_typed(tiny_config(2)), _dataset_config(audio_dir),
                                     batch_size=1))
    assert len(batches) == 3  # a whole epoch runs


def test_custom_metadata_module_adds_keys(audio_dir: Path, tmp_path: Path) -> None:
    module = tmp_path / "md.py"
    module.write_text("def get_custom_metadata(info, audio):\n"
                      "    return {'prompt': 'tone ' + info['relpath'], 'peak': float(audio.abs().max())}\n")
    dataset = create_dataset(load_typed(tiny_config(2)),
                             _dataset_config(audio_dir, custom_metadata_module=str(module)))
    _, info = dataset[1]
    assert info["prompt"] == "tone long_stereo_44k.wav" and 0.4 < info["peak"] < 0.51  # resampling ripple


def test_random_crop_false_always_starts_at_the_beginning(audio_dir: Path) -> None:
    config = sat_config.load_dataset_config({"dataset_type": "audio_dir", "random_crop": False,
                                             "datasets": [{"id": "a", "path": str(audio_dir)}]})
    dataset = create_dataset(load_typed(tiny_config(2)), config)
    assert all(dataset[1][1]["timestamps"][0] == 0.0 for _ in range(3))


def test_other_dataset_types_are_not_built(tmp_path: Path) -> None:
    config = sat_config.load_dataset_config({"dataset_type": "pre_encoded",
                                             "datasets": [{"id": "a", "path": str(tmp_path)}]})
    with pytest.raises(NotImplementedError, match="pre_encoded.*built: audio_dir"):
        create_dataset(load_typed(tiny_config()), config)


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        create_dataset(load_typed(tiny_config()), _dataset_config(tmp_path / "missing"))
