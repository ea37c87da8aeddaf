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
from sat_config.training.data.audio_dir import AudioDirDataset, find_audio, resample
from sat_config.training.data.loaders import check_trainable, create_dataloader, create_dataset
from sat_config.training.errors import DatasetError
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


def test_every_dataset_type_of_the_schema_is_built() -> None:
    from sat_config.schema import files as schemas
    from sat_config.training.data.loaders import DATASETS

    schema = schemas.load("dataset")
    types = set()
    for ref in schema["oneOf"]:
        prop = schema["$defs"][ref["$ref"].rsplit("/", 1)[1]]["properties"]["dataset_type"]
        types |= {prop["const"]} if "const" in prop else set(prop["enum"])
    assert types == set(DATASETS) == {"audio_dir", "pre_encoded", "wds", "s3"}


def test_latents_for_a_model_that_trains_on_audio_are_refused(tmp_path: Path) -> None:
    config = sat_config.load_dataset_config({"dataset_type": "pre_encoded",
                                             "datasets": [{"id": "a", "path": str(tmp_path)}]})
    with pytest.raises(DatasetError, match="autoencoder models train on audio.*pre_encoded"):
        create_dataset(load_typed(tiny_config()), config)


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        create_dataset(load_typed(tiny_config()), _dataset_config(tmp_path / "missing"))


# --- bad data never reaches the model -----------------------------------------------------------

def test_audio_with_nan_or_inf_samples_is_skipped_with_a_warning_naming_it(tmp_path, caplog):
    root = tmp_path / "audio"
    root.mkdir()
    for name, bad in (("a_nan.wav", np.nan), ("b_inf.wav", np.inf)):
        data = np.full((800, 1), 0.1, dtype=np.float32)
        data[10] = bad
        sf.write(root / name, data, 8000, subtype="FLOAT")
    _write(root / "c_good.wav", 0.1, 8000, 1)
    dataset = create_dataset(load_typed(tiny_config(1)), _dataset_config(root))
    with caplog.at_level(logging.WARNING):
        audio, info = dataset[0]
    assert info["path"].endswith("c_good.wav") and torch.isfinite(audio).all()
    assert "a_nan.wav" in caplog.text and "b_inf.wav" in caplog.text and "NaN" in caplog.text


def test_a_fifo_named_like_audio_is_skipped_never_opened(tmp_path, caplog) -> None:
    import os
    import signal

    root = tmp_path / "audio"
    root.mkdir()
    os.mkfifo(root / "x.wav")  # opening it for reading would block until a writer comes
    _write(root / "y.wav", 0.1, 8000, 1)
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("hung on the FIFO"))
    signal.alarm(20)
    try:
        with caplog.at_level(logging.WARNING):
            assert [p.name for p in find_audio(root)] == ["y.wav"]
        dataset = create_dataset(load_typed(tiny_config(1)), _dataset_config(root))
        assert dataset[0][1]["path"].endswith("y.wav")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "x.wav: not a regular file" in caplog.text


def test_an_absurd_header_sample_rate_is_refused_before_decoding(tmp_path, caplog) -> None:
    import struct

    root = tmp_path / "audio"
    root.mkdir()
    _write(root / "a_absurd.wav", 0.5, 8000, 1)
    raw = bytearray((root / "a_absurd.wav").read_bytes())
    assert raw[12:16] == b"fmt "
    raw[24:28] = struct.pack("<I", 2_000_000_000)  # the fmt chunk's sample rate
    (root / "a_absurd.wav").write_bytes(bytes(raw))
    _write(root / "b_good.wav", 0.1, 8000, 1)
    dataset = create_dataset(load_typed(tiny_config(1)), _dataset_config(root))
    with caplog.at_level(logging.WARNING):
        assert dataset[0][1]["path"].endswith("b_good.wav")
    assert "a_absurd.wav" in caplog.text and "2000000000 Hz" in caplog.text


def test_resampling_between_coprime_rates_has_a_bounded_cost() -> None:
    import tracemalloc

    audio = np.zeros((1, 44101), dtype=np.float32)
    tracemalloc.start()
    out = resample(audio, 44101, 44100)  # exact ratio 44100/44101: a 1.7M-tap filter
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert abs(out.shape[-1] - 44100) <= 1
    assert peak < 30e6, peak


def test_a_dataset_without_readable_files_or_a_whole_batch_is_refused(tmp_path) -> None:
    root = tmp_path / "audio"
    root.mkdir()
    (root / "broken.wav").write_bytes(b"RIFF not really a wav file")
    typed = load_typed(tiny_config(1))
    with pytest.raises(DatasetError, match="none of the 1 audio files could be read"):
        check_trainable(create_dataloader(typed, _dataset_config(root), batch_size=1))
    _write(root / "good.wav", 0.1, 8000, 1)
    with pytest.raises(DatasetError, match="2 item.*fewer than one batch of 4"):
        check_trainable(create_dataloader(typed, _dataset_config(root), batch_size=4))
    check_trainable(create_dataloader(typed, _dataset_config(root), batch_size=2))
