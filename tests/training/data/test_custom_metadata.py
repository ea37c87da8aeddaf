"""Every dataset type yields what the conditioners read (``prompt``, ``seconds_start``,
``seconds_total``, ``padding_mask``), with the prompt from the dataset config's
``custom_metadata_module`` hook, as upstream allows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

import sat_config
from sat_config.training.data.audio_dir import load_metadata_fn
from sat_config.training.data.loaders import create_dataset
from sat_config.training.errors import DatasetError
from sat_config.training.pre_encode import pre_encode

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "examples" / "diffusion_cond-tiny.json"
HOOK = ("def get_custom_metadata(info, audio):\n"
        "    name = info.get('latent_filename') or info.get('__key__') or info.get('relpath')\n"
        "    return {'prompt': 'hook saw ' + str(name).rsplit('/', 1)[-1],\n"
        "            'frames': int(audio.shape[-1])}\n")
NEEDED = ("prompt", "seconds_start", "seconds_total", "padding_mask")


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    audio = tmp_path / "audio"
    audio.mkdir()
    t = np.arange(3000) / 16000
    sf.write(audio / "clip.wav", 0.4 * np.sin(2 * np.pi * 330 * t), 16000)
    hook = tmp_path / "hook.py"
    hook.write_text(HOOK)
    return {"audio": audio, "hook": hook}


def _check(item, frames: int) -> dict:
    data, info = item
    assert all(key in info for key in NEEDED), sorted(info)
    assert info["prompt"].startswith("hook saw ") and info["frames"] == frames
    assert info["seconds_start"] == 0 and info["seconds_total"] == 1
    mask = torch.as_tensor(info["padding_mask"])
    assert mask.shape == (frames,) and 0 < int(mask.sum()) < frames  # 3000 of 4096 are audio
    return info


def test_audio_dir_pre_encoded_and_wds_all_give_conditioner_metadata(sources, tmp_path) -> None:
    webdataset = pytest.importorskip("webdataset")
    hook = str(sources["hook"])
    typed = sat_config.load_config(TINY)
    audio_dir = sat_config.load_dataset_config({
        "dataset_type": "audio_dir", "random_crop": False,
        "datasets": [{"id": "a", "path": str(sources["audio"]), "custom_metadata_module": hook}]})
    info = _check(create_dataset(typed, audio_dir)[0], 4096)
    assert info["prompt"] == "hook saw clip.wav"

    pre_encode(typed, audio_dir, tmp_path / "latents", progress=False)
    raw = json.loads((tmp_path / "latents" / "00000000.json").read_text())
    assert raw["prompt"] == "hook saw clip.wav"  # the hook's keys are stored with the latents
    config = json.loads(TINY.read_text())
    config["training"]["pre_encoded"] = True
    latents = sat_config.load_dataset_config({
        "dataset_type": "pre_encoded",
        "datasets": [{"id": "l", "path": str(tmp_path / "latents"),
                      "custom_metadata_module": hook}]})
    info = _check(create_dataset(sat_config.load_config(config), latents)[0], 512)
    assert info["prompt"] == "hook saw 00000000.npy"  # the hook runs again at read time

    shards = tmp_path / "shards"
    shards.mkdir()
    with webdataset.TarWriter(str(shards / "s.tar")) as sink:
        sink.write({"__key__": "clip", "wav": (sources["audio"] / "clip.wav").read_bytes(),
                    "json": b"{}"})
    wds = sat_config.load_dataset_config({
        "dataset_type": "wds", "resampled_shards": False, "random_crop": False,
        "datasets": [{"id": "w", "path": str(shards), "custom_metadata_module": hook}]})
    info = _check(next(iter(create_dataset(typed, wds))), 4096)
    assert info["prompt"] == "hook saw clip"


def test_a_hook_that_returns_no_dict_names_its_file(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def get_custom_metadata(info, audio):\n    return ['prompt']\n")
    with pytest.raises(DatasetError, match=r"bad\.py: get_custom_metadata returned list"):
        load_metadata_fn(module)({}, None)
    module.write_text("def get_custom_metadata(info, audio):\n    info.clear()\n")
    info = {"prompt": "kept"}
    assert load_metadata_fn(module)(info, None) == {} and info == {"prompt": "kept"}
    module.write_text("x = 1\n")
    with pytest.raises(AttributeError, match="defines no get_custom_metadata"):
        load_metadata_fn(module)
    with pytest.raises(FileNotFoundError):
        load_metadata_fn(tmp_path / "missing.py")


def test_the_hook_can_reject_and_replace_pre_encoded_items(tmp_path: Path) -> None:
    import numpy as np

    from sat_config.training.data.pre_encoded import PreEncodedDataset

    for i in range(3):
        np.save(tmp_path / f"{i}.npy", np.full((8, 512), float(i), np.float32))
        (tmp_path / f"{i}.json").write_text(json.dumps({"padding_mask": [1] * 512,
                                                        "seconds_total": 1}))
    hook = tmp_path / "hook.py"
    hook.write_text("import torch\n"
                    "def get_custom_metadata(info, latents):\n"
                    "    if info['latent_filename'].endswith('0.npy'):\n"
                    "        return {'__reject__': True}\n"
                    "    return {'__replace__': latents * 10}\n")
    config = sat_config.load_dataset_config({
        "dataset_type": "pre_encoded",
        "datasets": [{"id": "l", "path": str(tmp_path), "custom_metadata_module": str(hook)}]})
    dataset = PreEncodedDataset(config, 8, 512)
    latents, info = dataset[0]  # 0.npy rejected: the next item instead
    assert info["latent_filename"].endswith("1.npy") and float(latents[0, 0]) == 10.0
    assert "__reject__" not in info and "__replace__" not in info
