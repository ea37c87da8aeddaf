"""The clip lengths the checks demand (``checks/parts/clips.py``, torch-free) against the real
modules: each runs at the length the check computes and fails one step shorter; and the tiny
autoencoder trains at the shortest ``sample_size`` the checks accept."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("auraloss")

import sat_config  # noqa: E402
from sat_config.checks.parts.clips import (OOBLECK_DISCRIMINATOR_SHORTEST,  # noqa: E402
                                           centered_stft, dac_band_fits, dac_period_fits,
                                           uncentered_stft, wavelet_shortest)
from sat_config.models import AutoencoderConfig  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _runs(fn, length: int, channels: int = 1) -> bool:
    try:
        with torch.no_grad():
            fn(torch.randn(1, channels, length))
    except (RuntimeError, ValueError):
        return False
    return True


def _typed(losses: dict) -> object:
    doc = json.loads((REPO / "examples" / "autoencoder-tiny.json").read_text())
    doc["training"]["loss_configs"].update(losses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sat_config.load_config(doc, strict=False).training.loss_configs


@pytest.mark.parametrize("n_fft", [32, 64, 1024])
def test_centred_stft_losses_need_more_than_half_an_fft(n_fft: int) -> None:
    from auraloss.freq import STFTLoss

    from sat_config.kinds.autoencoder.mel import MultiResolutionMelLoss

    loss = STFTLoss(fft_size=n_fft, hop_size=n_fft // 4, win_length=n_fft)
    mel = MultiResolutionMelLoss(16000, _typed({"mrmel": {
        "config": {"n_mels": [8], "window_lengths": [n_fft], "pow": 1.0, "log_weight": 1.0,
                   "mag_weight": 1.0}, "weights": {"mrmel": 1.0}}}).mrmel.config)
    need = centered_stft(n_fft)
    for fn in (lambda x: loss(x, x), lambda x: mel(x, x)):
        assert _runs(fn, need) and not _runs(fn, need - 1)


@pytest.mark.parametrize("n_fft", [64, 512])
def test_the_encodec_discriminator_needs_one_whole_frame(n_fft: int) -> None:
    from sat_config.kinds.autoencoder.discriminators import EncodecDiscriminator

    cfg = _typed({
        "discriminator": {"type": "encodec", "config": {
            "filters": 4, "n_ffts": [n_fft], "hop_lengths": [n_fft // 4],
            "win_lengths": [n_fft]}, "weights": {"adversarial": 0.1, "feature_matching": 5.0}},
    }).discriminator.config
    disc = EncodecDiscriminator(cfg, 1)
    need = uncentered_stft(n_fft)
    assert _runs(lambda x: disc.discriminator_loss(x, x), need)
    assert not _runs(lambda x: disc.discriminator_loss(x, x), need - 1)


def test_the_oobleck_discriminator_needs_eight_samples() -> None:
    from types import SimpleNamespace

    from sat_config.kinds.autoencoder.discriminators import OobleckDiscriminator

    disc = OobleckDiscriminator(SimpleNamespace(in_channels=1), 1)
    need = OOBLECK_DISCRIMINATOR_SHORTEST
    assert _runs(lambda x: disc.discriminator_loss(x, x), need)
    assert not _runs(lambda x: disc.discriminator_loss(x, x), need - 1)


@pytest.mark.parametrize("period", [2, 3, 5, 11])
def test_dac_period_discriminators_fit_exactly_where_the_check_says(period: int) -> None:
    from sat_config.kinds.autoencoder.discriminators import DacPeriodDiscriminator

    disc = DacPeriodDiscriminator(period, 1)
    for length in range(1, 3 * period + 2):
        assert _runs(disc, length) == dac_period_fits(length, period), length


@pytest.mark.parametrize("window", [64, 128])
def test_dac_band_discriminators_fit_exactly_where_the_check_says(window: int) -> None:
    from sat_config.kinds.autoencoder.discriminators import DacBandDiscriminator

    disc = DacBandDiscriminator(window, [[0.0, 0.5], [0.5, 1.0]])
    for length in range(window // 4, window + 2):
        assert _runs(disc, length) == dac_band_fits(length, window), length


@pytest.mark.parametrize("wavelet,levels", [("bior4.4", 3), ("bior2.2", 2), ("bior6.8", 4),
                                            ("bior2.8", 1)])
def test_wavelet_pretransforms_encode_and_decode_from_the_shortest_clip(wavelet, levels) -> None:
    from sat_config.training.components.pretransforms import WaveletDecode1d, WaveletEncode1d

    encode, decode = WaveletEncode1d(1, levels, wavelet), WaveletDecode1d(1, levels, wavelet)

    def round_trip(x):
        assert decode(encode(x)).shape == x.shape

    shortest, factor = wavelet_shortest(levels, wavelet), 2 ** levels
    assert shortest % factor == 0
    assert _runs(round_trip, shortest) and _runs(round_trip, shortest + factor)
    assert not _runs(round_trip, shortest - factor)
    assert not _runs(round_trip, shortest + 1)  # not a multiple of 2**levels


def test_an_oobleck_encoder_needs_one_latent_frame() -> None:
    from sat_config.training.components.autoencoder import build_autoencoder

    doc = json.loads((REPO / "examples" / "lm-tiny.json").read_text())
    model = sat_config.load_config(doc).model.pretransform.config
    autoencoder = build_autoencoder(model, sample_rate=doc["sample_rate"])
    ratio = model.downsampling_ratio
    assert _runs(autoencoder.encoder, ratio) and not _runs(autoencoder.encoder, ratio - 1)


def _train(doc: dict) -> str:
    import sys
    sys.path.insert(0, str(Path(__file__).parent))
    from test_valid_means_it_trains import train_one_step

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train_one_step(doc, Path(tempfile.mkdtemp()))


def test_the_tiny_autoencoder_trains_from_the_shortest_clip_the_checks_accept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads((REPO / "examples" / "autoencoder-tiny.json").read_text())
    ratio = doc["model"]["downsampling_ratio"]
    sizes = [ratio * n for n in range(1, 64)]
    accepted = [n for n in sizes if not [
        i for i in sat_config.validate({**doc, "sample_size": n}) if i.severity == "error"]]
    shortest = accepted[0]
    assert shortest > ratio  # the 1024-point spectral loss decides, not the encoder
    assert _train({**doc, "sample_size": shortest}) == "trained"
    # one frame shorter, with the semantic checks switched off: the first step fails
    monkeypatch.setattr(sat_config.api, "semantic_issues", lambda *a, **k: [])
    with pytest.raises(RuntimeError, match="[Pp]adding"):
        _train({**doc, "sample_size": shortest - ratio})
