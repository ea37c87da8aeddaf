"""Activations named by a ``torch.nn`` class and built with free-form keyword arguments (seanet
encoders/decoders, the encodec discriminator): the class must be an element-wise activation and
take the arguments (found by the "valid means it trains" property test: ``activation: "A"``
raised AttributeError at build). Torch-free: the table below is checked against torch's
signatures in tests/checks/test_activations.py.
"""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err

# torch.nn element-wise activation -> (keyword arguments, the required ones)
TORCH_ACTIVATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ELU": (("alpha", "inplace"), ()),
    "CELU": (("alpha", "inplace"), ()),
    "SELU": (("inplace",), ()),
    "GELU": (("approximate",), ()),
    "LeakyReLU": (("negative_slope", "inplace"), ()),
    "PReLU": (("num_parameters", "init"), ()),
    "RReLU": (("lower", "upper", "inplace"), ()),
    "ReLU": (("inplace",), ()),
    "ReLU6": (("inplace",), ()),
    "SiLU": (("inplace",), ()),
    "Mish": (("inplace",), ()),
    "Hardswish": (("inplace",), ()),
    "Hardsigmoid": (("inplace",), ()),
    "Hardtanh": (("min_val", "max_val", "inplace"), ()),
    "Hardshrink": (("lambd",), ()),
    "Softshrink": (("lambd",), ()),
    "Softplus": (("beta", "threshold"), ()),
    "Threshold": (("threshold", "value", "inplace"), ("threshold", "value")),
    "Sigmoid": ((), ()),
    "Tanh": ((), ()),
    "LogSigmoid": ((), ()),
    "Softsign": ((), ()),
    "Tanhshrink": ((), ()),
}


def check_activation(out: list[Issue], cfg: dict, path: str, name_key: str, params_key: str,
                     defaults: dict[str, Any]) -> None:
    """``cfg[name_key]`` (a class name) built with ``cfg[params_key]`` (its schema default when
    absent, which may belong to another activation)."""
    name = cfg.get(name_key, defaults.get(name_key))
    if not isinstance(name, str):
        return  # null: no activation
    if name not in TORCH_ACTIVATIONS:
        out.append(err(f"{path}.{name_key}", f"{name!r} is not a torch.nn element-wise "
                       "activation: the build fails", "activation",
                       "use one of " + ", ".join(sorted(TORCH_ACTIVATIONS))))
        return
    given = params_key in cfg
    params = cfg.get(params_key) if given else defaults.get(params_key)
    if not isinstance(params, dict):
        return
    accepted, required = TORCH_ACTIVATIONS[name]
    unknown = [key for key in params if key not in accepted]
    missing = [key for key in required if key not in params]
    if unknown or missing:
        whose = "" if given else f" (its default {params}, written for the default activation)"
        problem = f"takes no {', '.join(map(repr, unknown))}" if unknown else \
            f"needs {', '.join(map(repr, missing))}"
        takes = ", ".join(accepted) or "no arguments"
        out.append(err(f"{path}.{params_key}", f"torch.nn.{name} {problem}{whose}: the build "
                       "fails with TypeError", "activation",
                       f"give {params_key} with {name}'s arguments ({takes}), e.g. {{}}"))
