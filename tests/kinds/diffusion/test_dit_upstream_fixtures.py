"""Our DiT diffusion models reproduce upstream's outputs from upstream's weights.

The fixtures (``tests/fixtures/upstream/dit_cond.pt`` / ``dit_uncond.pt``) hold an upstream
model's state dict (``state_dict.*``), its inputs and outputs; the model here is built from the
fixture's own ``.json`` config and loads the state dict with ``strict=True``.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import sat_config  # noqa: E402
from sat_config.kinds.diffusion.model import create_diffusion_cond, create_diffusion_uncond  # noqa: E402

ATOL = 1e-5


def _built(upstream_fixture, fixture_state_dict, name, create):
    tensors, config = upstream_fixture(name)
    model = create(sat_config.load_config(config)).eval()
    model.load_state_dict(fixture_state_dict(tensors), strict=True)
    return model, tensors


def test_dit_cond_matches_upstream(upstream_fixture, fixture_state_dict, metadata):
    model, ref = _built(upstream_fixture, fixture_state_dict, "dit_cond", create_diffusion_cond)
    with torch.no_grad():
        cond = model.conditioner(metadata, "cpu")
        for key, (embeds, mask) in cond.items():
            torch.testing.assert_close(embeds, ref[f"cond.{key}.embeds"], atol=ATOL, rtol=0)
            torch.testing.assert_close(mask, ref[f"cond.{key}.mask"], atol=0, rtol=0)
        inputs = model.get_conditioning_inputs(cond)
        for key, value in inputs.items():
            if value is not None:
                torch.testing.assert_close(value, ref[f"cond_inputs.{key}"], atol=ATOL, rtol=0)
        for out_key, kwargs in (("out_cfg1", {"cfg_scale": 1.0}), ("out_cfg6", {"cfg_scale": 6.0}),
                                ("out_cfg6_phi075", {"cfg_scale": 6.0, "scale_phi": 0.75})):
            out = model(ref["x"], ref["t"], cond=cond, **kwargs)
            torch.testing.assert_close(out, ref[out_key], atol=ATOL, rtol=0, msg=out_key)
    # the guided outputs really differ from the unguided one (CFG is exercised)
    assert not torch.allclose(ref["out_cfg1"], ref["out_cfg6"], atol=1e-3)


def test_dit_uncond_matches_upstream(upstream_fixture, fixture_state_dict):
    model, ref = _built(upstream_fixture, fixture_state_dict, "dit_uncond",
                        create_diffusion_uncond)
    with torch.no_grad():
        out = model(ref["x"], ref["t"])
    torch.testing.assert_close(out, ref["out"], atol=ATOL, rtol=0)
