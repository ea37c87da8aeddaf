"""WebDataset shards (``wds`` / ``s3``): local tar files and an S3 prefix on a real
S3-compatible server (moto's server mode on localhost), split over workers and ranks."""

from __future__ import annotations

import io
import json
import socket
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

import sat_config
from sat_config.errors import NotBuiltError
from sat_config.training.data.loaders import check_trainable, collate, create_dataloader, \
    create_dataset
from sat_config.training.data.wds import WebDatasetStream, remove_long_silence
from sat_config.training.errors import DatasetError

webdataset = pytest.importorskip("webdataset")

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "examples" / "diffusion_cond-tiny.json"  # 16 kHz mono, 4096 samples


def _flac(seconds: float, freq: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    buffer = io.BytesIO()
    sf.write(buffer, 0.4 * np.sin(2 * np.pi * freq * t), 16000, format="FLAC")
    return buffer.getvalue()


def write_shards(root: Path, shards: int, per_shard: int) -> list[str]:
    """``shards`` tar files of ``per_shard`` (flac, json) items; returns every item key."""
    root.mkdir(parents=True, exist_ok=True)
    keys = []
    for s in range(shards):
        with webdataset.TarWriter(str(root / f"shard-{s:04d}.tar")) as sink:
            for i in range(per_shard):
                key = f"s{s}_{i}"
                seconds = 0.1 if i == 0 else 0.5
                sink.write({"__key__": key, "flac": _flac(seconds, 200 + 50 * i),
                            "json": json.dumps({"prompt": f"tone {key}"}).encode()})
                keys.append(key)
    return keys


def _config(**extra) -> object:
    return sat_config.load_dataset_config({"dataset_type": "wds", "resampled_shards": False,
                                           **extra})


def _typed():
    return sat_config.load_config(TINY)


def test_local_shards_yield_cropped_audio_with_conditioner_metadata(tmp_path: Path) -> None:
    keys = write_shards(tmp_path / "shards", 2, 3)
    config = _config(datasets=[{"id": "local", "path": str(tmp_path / "shards")}],
                     random_crop=False)
    dataset = create_dataset(_typed(), config)
    assert isinstance(dataset, WebDatasetStream)
    items = list(dataset)
    assert sorted(info["__key__"] for _, info in items) == sorted(keys)
    audio, info = next(item for item in items if item[1]["__key__"] == "s0_0")
    assert audio.shape == (1, 4096)
    assert info["prompt"] == "tone s0_0" and info["seconds_start"] == 0
    assert info["seconds_total"] == 1 and info["padding_mask"].sum() == 1600
    batch, metadata = next(iter(create_dataloader(_typed(), config, batch_size=2)))
    assert batch.shape == (2, 1, 4096) and len(metadata) == 2


def _keys_read(dataset_config, rank: int, world_size: int, workers: int) -> list[str]:
    dataset = WebDatasetStream(dataset_config, 16000, 4096, 1, rank=rank, world_size=world_size)
    loader = DataLoader(dataset, batch_size=2, num_workers=workers, collate_fn=collate)
    return [info["__key__"] for _, metadata in loader for info in metadata]


def test_workers_and_ranks_read_disjoint_shards_covering_the_epoch(tmp_path: Path) -> None:
    keys = write_shards(tmp_path / "shards", 7, 3)  # 7 shards over 4 readers: uneven
    config = _config(datasets=[{"id": "local", "path": str(tmp_path / "shards")}],
                     drop_last=False)
    read = _keys_read(config, 0, 2, 2) + _keys_read(config, 1, 2, 2)
    assert Counter(read) == Counter(keys)  # every item once: no duplicates, none missing
    assert set(_keys_read(config, 0, 2, 2)).isdisjoint(_keys_read(config, 1, 2, 2))


def test_resampled_shards_make_endless_epochs_of_epoch_steps(tmp_path: Path) -> None:
    write_shards(tmp_path / "shards", 2, 2)
    config = sat_config.load_dataset_config({
        "dataset_type": "wds", "epoch_steps": 5,
        "datasets": [{"id": "local", "path": str(tmp_path / "shards")}]})
    loader = create_dataloader(_typed(), config, batch_size=3, num_workers=0)
    assert len(loader) == 5
    assert sum(1 for _ in loader) == 5  # 15 items from 4: shards drawn with replacement
    check_trainable(loader)
    # each rank gets its epoch_steps batches, whatever its worker count
    for rank in (0, 1):
        dataset = WebDatasetStream(config, 16000, 4096, 1, batch_size=3, rank=rank, world_size=2)
        loader = DataLoader(dataset, batch_size=3, num_workers=2, collate_fn=collate)
        assert [len(m) for _, m in loader] == [3] * 5


def test_pre_encoded_shards_crop_latents(tmp_path: Path) -> None:
    root = tmp_path / "latents"
    root.mkdir()
    with webdataset.TarWriter(str(root / "latents-0.tar")) as sink:
        for i in range(2):
            buffer = io.BytesIO()
            np.save(buffer, np.random.rand(8, 600).astype(np.float32))
            sink.write({"__key__": f"l{i}", "npy": buffer.getvalue(),
                        "json": json.dumps({"padding_mask": [1] * 600, "seconds_total": 1,
                                            "prompt": "x"}).encode()})
    config = _config(pre_encoded=True, latent_crop_length=512,
                     datasets=[{"id": "l", "path": str(root)}])
    latents, info = next(iter(WebDatasetStream(config, 16000, 4096, 1)))
    assert latents.shape == (8, 512) and info["padding_mask"].shape == (512,)
    assert 0 <= info["latent_crop_start"] <= 88 and info["prompt"] == "x"


def test_custom_metadata_and_corrupt_shards(tmp_path: Path, caplog) -> None:
    keys = write_shards(tmp_path / "shards", 1, 2)
    (tmp_path / "shards" / "shard-9999.tar").write_bytes(b"not a tar file at all" * 50)
    module = tmp_path / "md.py"
    module.write_text("def get_custom_metadata(info, audio):\n"
                      "    return {'prompt': info['prompt'].upper(), 'n': audio.shape[-1]}\n")
    config = _config(datasets=[{"id": "local", "path": str(tmp_path / "shards"),
                                "custom_metadata_module": str(module)}])
    items = list(WebDatasetStream(config, 16000, 4096, 1))
    assert sorted(i["__key__"] for _, i in items) == keys
    assert items[0][1]["prompt"] == "TONE S0_0" and items[0][1]["n"] == 4096
    assert "shard-9999.tar" in caplog.text


def test_remove_silence_shortens_long_silences() -> None:
    audio = torch.cat([torch.full((1, 1000), 0.5), torch.zeros(1, 8000),
                       torch.full((1, 1000), 0.5)], dim=1)
    out = remove_long_silence(audio, 16000, [0.01, 0.1], 0.25)  # 0.5 s of silence > 0.25 s
    assert out.shape == (1, 2000 + 1600)
    short = remove_long_silence(audio[:, :3000], 16000, [0.01, 0.1], 0.25)
    assert short.shape == (1, 3000)  # 2000 silent samples (0.125 s) kept


def test_volume_norm_without_pyloudnorm_is_not_built(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("pyloudnorm") is not None:
        pytest.skip("pyloudnorm is installed: volume_norm is built")
    write_shards(tmp_path / "shards", 1, 1)
    config = _config(volume_norm=True, datasets=[{"id": "local", "path": str(tmp_path / "shards")}])
    with pytest.raises(NotBuiltError, match="volume_norm.*pyloudnorm"):
        WebDatasetStream(config, 16000, 4096, 1)


def test_no_shards_is_a_dataset_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no .tar shards"):
        create_dataset(_typed(), _config(datasets=[{"id": "e", "path": str(tmp_path / "empty")}]))


# --- S3, on a local S3-compatible server ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield endpoint
    server.stop()


def test_s3_shards_are_listed_and_read_by_workers_and_ranks(tmp_path: Path,
                                                            s3_endpoint: str) -> None:
    import boto3

    keys = write_shards(tmp_path / "shards", 5, 2)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="audio")
    for shard in sorted((tmp_path / "shards").iterdir()):
        client.upload_file(str(shard), "audio", f"train/{shard.name}")
    client.put_object(Bucket="audio", Key="train/README.txt", Body=b"not a shard")
    config = sat_config.load_dataset_config({
        "dataset_type": "s3", "resampled_shards": False, "drop_last": False,
        "datasets": [{"id": "bucket", "s3_path": "s3://audio/train/"}]})
    dataset = create_dataset(_typed(), config)
    assert [url for url, _, _ in dataset.shards] == \
        [f"s3://audio/train/shard-{s:04d}.tar" for s in range(5)]
    read = _keys_read(config, 0, 2, 2) + _keys_read(config, 1, 2, 2)
    assert Counter(read) == Counter(keys)
    audio, info = next(iter(dataset))
    assert audio.shape == (1, 4096) and info["prompt"].startswith("tone ")
    assert info["__url__"].startswith("s3://audio/train/")


def test_an_unreachable_bucket_is_a_dataset_error(s3_endpoint: str) -> None:
    config = sat_config.load_dataset_config({
        "dataset_type": "wds", "datasets": [{"id": "b", "s3_path": "s3://no-such-bucket/x/"}]})
    with pytest.raises(DatasetError, match="cannot list s3://no-such-bucket/x/"):
        create_dataset(_typed(), config)
    named = sat_config.load_dataset_config({
        "dataset_type": "wds",
        "datasets": [{"id": "b", "s3_path": "s3://audio/x/", "profile": "no-such-profile"}]})
    with pytest.raises(DatasetError, match="no-such-profile"):
        create_dataset(_typed(), named)


@pytest.mark.slow
def test_sat_config_train_runs_on_local_shards(tmp_path: Path) -> None:
    from sat_config.cli import main

    write_shards(tmp_path / "shards", 2, 2)
    dataset = tmp_path / "wds.json"
    dataset.write_text(json.dumps({"dataset_type": "wds", "epoch_steps": 2,
                                   "datasets": [{"id": "w", "path": str(tmp_path / "shards")}]}))
    out = tmp_path / "run"
    assert main(["train", str(TINY), "--dataset-config", str(dataset), "--max-steps", "3",
                 "--batch-size", "2", "--num-workers", "2", "--output-dir", str(out),
                 "--accelerator", "cpu"]) == 0
    assert list(out.rglob("last.ckpt"))
