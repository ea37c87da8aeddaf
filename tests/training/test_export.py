"""``sat-config export``: a trained run -> upstream's unwrapped model + its config JSON."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch

from training_helpers import REPO, tiny_config

from sat_config.cli import main

FIXTURES = REPO / "tests" / "fixtures" / "upstream"
COND_TINY = REPO / "examples" / "diffusion_cond-tiny.json"


def _train(tmp_path: Path, config: dict | Path, steps: int = 2, name: str = "run") -> Path:
    if isinstance(config, dict):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(config))
    else:
        path = config
    run = tmp_path / name
    assert main(["train", str(path), "--output-dir", str(run), "--accelerator", "cpu",
                 "--batch-size", "2", "--max-steps", str(steps), "--logger", "csv"]) == 0
    return run


def _build(config_path: Path):
    from sat_config.training import create_model_from_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_model_from_config(json.loads(config_path.read_text()))


def _load(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return torch.load(path, weights_only=True)["state_dict"]


@pytest.fixture(scope="module")
def ae_run(tmp_path_factory) -> Path:
    config = tiny_config(use_ema=True)
    return _train(tmp_path_factory.mktemp("ae"), config, steps=4)  # EMA lags from step 3


def test_autoencoder_export_loads_strictly_and_reproduces_outputs(ae_run: Path, tmp_path: Path,
                                                                  capsys) -> None:
    out = tmp_path / "model.safetensors"
    assert main(["export", str(ae_run), "-o", str(out)]) == 0  # a run directory: its last.ckpt
    assert (tmp_path / "model.json").is_file() and "wrote" in capsys.readouterr().out
    weights = _load(out)
    assert any(k.endswith(".weight_g") for k in weights)  # upstream's weight-norm names
    assert not any("parametrizations" in k for k in weights)
    assert not any(k.startswith(("autoencoder.", "discriminator")) for k in weights)

    rebuilt = _build(tmp_path / "model.json")
    rebuilt.load_state_dict(weights, strict=True)
    saved = torch.load(ae_run / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    from training_helpers import build

    _, trained, wrapper = build(tiny_config(use_ema=True))
    wrapper.load_state_dict(saved, strict=True)
    audio = torch.randn(1, 2, 2048)
    trained.eval(), rebuilt.eval()
    outputs = []
    for model in (rebuilt, trained):
        torch.manual_seed(0)  # the VAE bottleneck samples
        with torch.no_grad():
            outputs.append(model.decode(model.encode(audio)))
    assert torch.equal(*outputs)


def test_ema_export_differs_from_the_raw_weights_and_ckpt_output(ae_run: Path,
                                                                  tmp_path: Path) -> None:
    raw, ema = tmp_path / "raw.ckpt", tmp_path / "ema.ckpt"
    assert main(["export", str(ae_run / "checkpoints" / "last.ckpt"), "-o", str(raw)]) == 0
    assert main(["export", str(ae_run), "-o", str(ema), "--ema"]) == 0
    raw_w, ema_w = _load(raw), _load(ema)  # torch.save({"state_dict": ...})
    assert raw_w.keys() == ema_w.keys()
    assert any(not torch.equal(raw_w[k], ema_w[k]) for k in raw_w)
    saved = torch.load(ae_run / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    key = next(k for k in ema_w if k.endswith(".weight_v"))
    ours = key[: -len("weight_v")] + "parametrizations.weight.original1"
    assert torch.equal(ema_w[key], saved[f"autoencoder_ema.module.{ours}"])
    assert torch.equal(raw_w[key], saved[f"autoencoder.{ours}"])
    _build(tmp_path / "ema.json").load_state_dict(ema_w, strict=True)


def test_export_errors_are_one_line(ae_run: Path, tmp_path: Path, capsys) -> None:
    no_ema = _train(tmp_path, tiny_config(), steps=1, name="plain")
    assert main(["export", str(no_ema), "-o", str(tmp_path / "m.safetensors"), "--ema"]) == 2
    assert "use_ema" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nothing"), "-o", str(tmp_path / "m.ckpt")]) == 2
    assert main(["export", str(ae_run), "-o", str(tmp_path / "m.bin")]) == 2
    (tmp_path / "taken.ckpt").write_bytes(b"x")
    assert main(["export", str(ae_run), "-o", str(tmp_path / "taken.ckpt")]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and all(line.startswith("sat-config:") for line in err.splitlines())


def test_config_flag_overrides_the_saved_config(ae_run: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps(tiny_config(channels=1, use_ema=True)))  # does not fit
    assert main(["export", str(ae_run), "-o", str(tmp_path / "m.ckpt"), "--config",
                 str(other)]) == 2
    assert "does not fit" in capsys.readouterr().err


def test_diffusion_cond_export_reproduces_the_model(tmp_path: Path) -> None:
    run = _train(tmp_path, COND_TINY, steps=1)
    out = tmp_path / "cond.safetensors"
    assert main(["export", str(run), "-o", str(out)]) == 0
    weights = _load(out)
    rebuilt, trained = _build(tmp_path / "cond.json"), _build(COND_TINY)
    rebuilt.load_state_dict(weights, strict=True)
    from sat_config.training import create_training_wrapper_from_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = create_training_wrapper_from_config(json.loads(COND_TINY.read_text()), trained)
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    wrapper.load_state_dict(saved, strict=True)
    meta = [{"seconds_start": 0, "seconds_total": 1}, {"seconds_start": 1, "seconds_total": 2}]
    x, t = torch.randn(2, 8, 512), torch.tensor([0.3, 0.7])
    rebuilt.eval(), trained.eval()
    with torch.no_grad():
        a = rebuilt(x, t, rebuilt.conditioner(meta, "cpu"))
        b = trained(x, t, trained.conditioner(meta, "cpu"))
    assert torch.equal(a, b)
    assert set(weights) == set(trained.state_dict())  # no weight norm here: the same names


def test_exported_keys_equal_upstreams_for_the_fixture_config(tmp_path: Path) -> None:
    fixture = FIXTURES / "dit_cond.pt"
    if not fixture.is_file():
        pytest.skip("upstream fixture dit_cond.pt not present")
    upstream = {k[len("state_dict."):] for k in torch.load(fixture, weights_only=True)
                if k.startswith("state_dict.")}
    run = _train(tmp_path, FIXTURES / "dit_cond.json", steps=1)
    out = tmp_path / "dit.safetensors"
    assert main(["export", str(run), "-o", str(out)]) == 0
    assert set(_load(out)) == upstream


def test_checkpoints_carry_the_model_config_where_upstream_puts_it(ae_run: Path) -> None:
    saved = torch.load(ae_run / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["model_config"] == saved["sat_config"]
    assert saved["model_config"]["model_type"] == "autoencoder"


def test_a_run_without_pretransform_weight_norm_exports(tmp_path: Path) -> None:
    import copy

    config = json.loads((REPO / "examples" / "diffusion_uncond-tiny.json").read_text())
    config["model"]["pretransform"] = {"type": "autoencoder",
                                       "config": copy.deepcopy(tiny_config(1)["model"])}
    config["model"]["config"].update(in_channels=4, patch_size=1)
    path = tmp_path / "latent.json"
    path.write_text(json.dumps(config))
    run = tmp_path / "run"
    assert main(["train", str(path), "--output-dir", str(run), "--accelerator", "cpu",
                 "--batch-size", "2", "--max-steps", "1", "--logger", "csv",
                 "--remove-pretransform-weight-norm", "post_load"]) == 0
    out = tmp_path / "exported.safetensors"
    assert main(["export", str(run), "-o", str(out)]) == 0
    weights = _load(out)
    assert "pretransform.model.encoder.layers.0.weight" in weights
    assert not any(k.startswith("pretransform.") and k.endswith("weight_g") for k in weights)
    assert any(k.startswith("model.") for k in weights)


_MODEL_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.json")
                         if p.with_suffix(".pt").is_file()
                         and "model_type" in json.loads(p.read_text()))


@pytest.mark.parametrize("name", _MODEL_FIXTURES)
def test_export_names_equal_upstreams_for_every_model_fixture(name: str) -> None:
    """The names export writes (the model's state dict, weight norm renamed) are upstream's."""
    from sat_config.training.export import to_upstream_names

    upstream = {k[len("state_dict."):] for k in torch.load(FIXTURES / f"{name}.pt",
                                                            weights_only=True)
                if k.startswith("state_dict.")}
    model = _build(FIXTURES / f"{name}.json")
    assert set(to_upstream_names(model.state_dict())) == upstream


@pytest.mark.slow
@pytest.mark.parametrize("example", ["diffusion_uncond-tiny", "diffusion_autoencoder-tiny",
                                     "lm-tiny", "diffusion_cond_arc-tiny",
                                     "diffusion_cond_inpaint-tiny"])
def test_every_kind_exports_a_strictly_loadable_model(example: str, tmp_path: Path) -> None:
    run = _train(tmp_path, REPO / "examples" / f"{example}.json", steps=1)
    out = tmp_path / "out.safetensors"
    assert main(["export", str(run), "-o", str(out)]) == 0
    weights = _load(out)
    _build(tmp_path / "out.json").load_state_dict(weights, strict=True)
    saved = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert all(any(torch.equal(v, s) for s in saved.values() if s.shape == v.shape)
               for v in list(weights.values())[:5])  # trained values, not a fresh init
