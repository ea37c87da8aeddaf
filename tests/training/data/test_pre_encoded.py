"""``sat-config pre-encode`` writes latents + metadata; the ``pre_encoded`` dataset reads them
back, checked against the model config; ``pre_encoded: true`` training runs on them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

import sat_config
from sat_config.cli import main
from sat_config.training.data.loaders import create_dataloader, create_dataset
from sat_config.training.data.pre_encoded import PreEncodedDataset, expected_latent_shape
from sat_config.training.errors import DatasetError

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "examples" / "diffusion_cond-tiny.json"  # 16 kHz mono, 4096 samples, wavelet x8


def _audio_dir(root: Path, count: int = 3) -> Path:
    root.mkdir(parents=True)
    for i in range(count):
        t = np.arange(int(16000 * (0.1 + 0.2 * i))) / 16000  # the first is shorter than 4096
        sf.write(root / f"tone{i}.wav", 0.4 * np.sin(2 * np.pi * (220 + 110 * i) * t), 16000)
    (root / "prompt.py").write_text(
        "def get_custom_metadata(info, audio):\n"
        "    return {'prompt': 'a tone from ' + info['relpath']}\n")
    return root


def _dataset_file(tmp_path: Path, root: Path) -> Path:
    path = tmp_path / "audio.json"
    path.write_text(json.dumps({
        "dataset_type": "audio_dir", "random_crop": False,
        "datasets": [{"id": "tones", "path": str(root),
                      "custom_metadata_module": str(root / "prompt.py")}]}))
    return path


def _pre_encoded_typed():
    config = json.loads(TINY.read_text())
    config["training"]["pre_encoded"] = True
    return sat_config.load_config(config)


def _latent_config(tmp_path: Path, out: Path, **extra) -> object:
    return sat_config.load_dataset_config({"dataset_type": "pre_encoded",
                                           "datasets": [{"id": "latents", "path": str(out)}],
                                           **extra})


@pytest.fixture
def encoded(tmp_path: Path) -> Path:
    root = _audio_dir(tmp_path / "audio")
    out = tmp_path / "latents"
    code = main(["pre-encode", str(TINY), "--dataset-config", str(_dataset_file(tmp_path, root)),
                 "-o", str(out), "--batch-size", "2", "--no-progress"])
    assert code == 0
    return out


def test_pre_encode_writes_latents_with_metadata(encoded: Path) -> None:
    names = sorted(p.name for p in encoded.iterdir())
    assert names == ["00000000.json", "00000000.npy", "00000001.json", "00000001.npy",
                     "00000002.json", "00000002.npy", "details.json"]
    latents = np.load(encoded / "00000000.npy")
    assert latents.shape == (8, 512) and latents.dtype == np.float32  # wavelet: 1 ch x 2^3
    info = json.loads((encoded / "00000000.json").read_text())
    assert info["prompt"] == "a tone from tone0.wav"
    assert info["seconds_start"] == 0 and info["seconds_total"] == 1
    mask = info["padding_mask"]
    assert len(mask) == 512 and sum(mask) == 200  # 1600 of 4096 samples are audio -> 200 frames
    # the latents are the pretransform's encoding of the audio
    from sat_config.training.components.pretransforms import build_pretransform
    typed = sat_config.load_config(TINY)
    audio, _ = sf.read(encoded.parent / "audio" / "tone1.wav", dtype="float32")
    padded = torch.zeros(1, 1, 4096)
    padded[0, 0, :len(audio)] = torch.from_numpy(audio)[:4096]
    expected = build_pretransform(typed.model.pretransform, 16000).encode(padded)[0]
    assert torch.allclose(torch.from_numpy(np.load(encoded / "00000001.npy")), expected,
                          atol=1e-5)


def test_pre_encode_resumes_skipping_finished_items(encoded: Path, tmp_path: Path) -> None:
    (encoded / "00000001.json").unlink()  # as if interrupted before the metadata was written
    before = (encoded / "00000000.npy").stat().st_mtime_ns
    root = tmp_path / "audio"
    from sat_config.training.pre_encode import pre_encode
    written, skipped = pre_encode(sat_config.load_config(TINY),
                                  sat_config.load_dataset_config(_dataset_file(tmp_path, root)),
                                  encoded, progress=False)
    assert (written, skipped) == (1, 2)
    assert (encoded / "00000001.json").is_file()
    assert (encoded / "00000000.npy").stat().st_mtime_ns == before
    assert not [p for p in encoded.iterdir() if p.name.endswith(".partial")]


def test_the_dataset_reads_latents_back_shaped_for_the_model(encoded: Path,
                                                             tmp_path: Path) -> None:
    typed = _pre_encoded_typed()
    assert expected_latent_shape(typed) == (8, 512)
    dataset = create_dataset(typed, _latent_config(tmp_path, encoded))
    assert isinstance(dataset, PreEncodedDataset) and len(dataset) == 3
    latents, info = dataset[0]
    assert latents.shape == (8, 512) and info["padding_mask"].sum() == 200
    assert info["prompt"] == "a tone from tone0.wav" and info["seconds_total"] == 1
    batch, metadata = next(iter(create_dataloader(typed, _latent_config(tmp_path, encoded),
                                                  batch_size=2, shuffle=False)))
    assert batch.shape == (2, 8, 512) and len(metadata) == 2


def test_length_filters_crop_and_custom_metadata(encoded: Path, tmp_path: Path) -> None:
    module = tmp_path / "md.py"
    module.write_text("def get_custom_metadata(info, latents):\n"
                      "    return {'frames': latents.shape[-1]}\n")
    config = sat_config.load_dataset_config({
        "dataset_type": "pre_encoded", "min_length_sec": 1, "max_length_sec": 1,
        "latent_crop_length": 256, "random_crop": True,
        "datasets": [{"id": "l", "path": str(encoded), "custom_metadata_module": str(module)}]})
    dataset = PreEncodedDataset(config, 8, 256)
    assert len(dataset) == 3  # every tone is 1 s long (seconds_total rounds up)
    latents, info = dataset[2]
    assert latents.shape == (8, 256) and info["frames"] == 256
    assert info["latent_crop_length"] == 256 and len(info["padding_mask"]) == 256
    short = sat_config.load_dataset_config({"dataset_type": "pre_encoded", "min_length_sec": 2,
                                            "datasets": [{"id": "l", "path": str(encoded)}]})
    with pytest.raises(DatasetError, match="no latent files"):
        PreEncodedDataset(short, 8, 512)


def test_a_shape_mismatch_names_the_file(encoded: Path, tmp_path: Path) -> None:
    np.save(encoded / "00000002.npy", np.zeros((4, 512), np.float32))
    with pytest.raises(DatasetError, match=r"00000002\.npy: 4 latent channels.*encodes to 8"):
        create_dataset(_pre_encoded_typed(), _latent_config(tmp_path, encoded))
    np.save(encoded / "00000002.npy", np.zeros((8, 300), np.float32))
    with pytest.raises(DatasetError, match=r"00000002\.npy: 300 latent frames.*trains on 512"):
        create_dataset(_pre_encoded_typed(), _latent_config(tmp_path, encoded))


def test_pre_encode_from_an_autoencoder_checkpoint(tmp_path: Path) -> None:
    from sat_config.training.factory import create_model_from_config

    ae_config = ROOT / "examples" / "autoencoder-tiny.json"
    typed = sat_config.load_config(ae_config)
    torch.manual_seed(0)
    model = create_model_from_config(typed).eval()
    ckpt = tmp_path / "ae.ckpt"
    torch.save({"state_dict": {f"autoencoder.{k}": v for k, v in model.state_dict().items()}},
               ckpt)
    root = tmp_path / "audio"
    root.mkdir()
    t = np.arange(typed.sample_size) / typed.sample_rate
    sf.write(root / "a.wav", np.stack([0.3 * np.sin(2 * np.pi * 300 * t)] * typed.audio_channels,
                                      1), typed.sample_rate)
    dataset = tmp_path / "d.json"
    dataset.write_text(json.dumps({"dataset_type": "audio_dir", "random_crop": False,
                                   "datasets": [{"id": "a", "path": str(root)}]}))
    out = tmp_path / "latents"
    assert main(["pre-encode", str(ae_config), "--dataset-config", str(dataset), "-o", str(out),
                 "--ckpt-path", str(ckpt), "--no-progress"]) == 0
    latents = np.load(out / "00000000.npy")
    assert latents.shape == (model.latent_dim, typed.sample_size // model.downsampling_ratio)
    # missing weights: a usage error, before anything is written
    assert main(["pre-encode", str(ae_config), "--dataset-config", str(dataset),
                 "-o", str(tmp_path / "x"), "--no-progress"]) == 2
    assert not (tmp_path / "x").exists()


def test_pre_encode_validates_before_torch_loads(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dataset_type": "pre_encoded", "datasets": []}))
    code = ("import sys; from sat_config.cli import main; "
            "rc = main(['pre-encode', sys.argv[1], '--dataset-config', sys.argv[2], '-o', "
            "sys.argv[3]]); print('TORCH', 'torch' in sys.modules); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(TINY), str(bad), str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "datasets" in out.stderr
    assert "TORCH False" in out.stdout and not (tmp_path / "o").exists()


def _pre_encoded_training_config(tmp_path: Path) -> Path:
    config = json.loads(TINY.read_text())
    config["training"]["pre_encoded"] = True
    path = tmp_path / "tiny-pre-encoded.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.slow
def test_pre_encoded_training_runs_on_the_latents(encoded: Path, tmp_path: Path) -> None:
    config = _pre_encoded_training_config(tmp_path)
    latents = tmp_path / "latents.json"
    latents.write_text(json.dumps({"dataset_type": "pre_encoded",
                                   "datasets": [{"id": "l", "path": str(encoded)}]}))
    out = tmp_path / "run"
    assert main(["train", str(config), "--dataset-config", str(latents), "--max-steps", "2",
                 "--batch-size", "2", "--output-dir", str(out), "--accelerator", "cpu"]) == 0
    assert (out / "checkpoints" / "last.ckpt").is_file() or list(out.rglob("last.ckpt"))
    # audio where latents are expected: refused before training, naming the setting
    audio = _dataset_file(tmp_path, tmp_path / "audio")
    with pytest.raises(DatasetError, match="training.pre_encoded is true"):
        create_dataset(sat_config.load_config(config), sat_config.load_dataset_config(audio))
    with pytest.raises(DatasetError, match="set training.pre_encoded"):
        create_dataset(sat_config.load_config(TINY), _latent_config(tmp_path, encoded))


def test_pre_encode_reads_shards_once_naming_items_by_key(tmp_path: Path) -> None:
    webdataset = pytest.importorskip("webdataset")
    import io

    shards = tmp_path / "shards"
    shards.mkdir()
    with webdataset.TarWriter(str(shards / "s-0.tar")) as sink:
        for key in ("a/one", "two"):
            buffer = io.BytesIO()
            sf.write(buffer, np.zeros(2000) + 0.1, 16000, format="WAV")
            sink.write({"__key__": key, "wav": buffer.getvalue(),
                        "json": json.dumps({"prompt": key}).encode()})
    wds = sat_config.load_dataset_config({"dataset_type": "wds",  # resampled_shards: default
                                          "datasets": [{"id": "w", "path": str(shards)}]})
    out = tmp_path / "latents"
    assert pre_encode_fn()(sat_config.load_config(TINY), wds, out, progress=False) == (2, 0)
    assert sorted(p.name for p in out.glob("*.npy")) == ["a_one.npy", "two.npy"]
    assert json.loads((out / "a_one.json").read_text())["prompt"] == "a/one"
    assert pre_encode_fn()(sat_config.load_config(TINY), wds, out, progress=False) == (0, 2)
    # a filelist.txt chooses the files instead of a scan
    (out / "filelist.txt").write_text("two.npy\n")
    dataset = PreEncodedDataset(_latent_config(tmp_path, out), 8, 512)
    assert [p.name for p, _ in dataset.items] == ["two.npy"]


def pre_encode_fn():
    from sat_config.training.pre_encode import pre_encode

    return pre_encode
