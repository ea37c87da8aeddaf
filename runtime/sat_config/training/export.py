"""``sat-config export``: a trained run's model in upstream's unwrapped format.

Writes the model's own state dict (what upstream's ``unwrap_model.py`` / ``export_model`` write:
no training wrapper, no optimizer, no discriminator) with upstream's names (weight norm as
``weight_g`` / ``weight_v``), as ``.safetensors`` or as ``{"state_dict": ...}`` in ``.ckpt``, and
the model config JSON beside it (``<output stem>.json``), so upstream's
``create_model_from_config(config).load_state_dict(weights, strict=True)`` takes the pair.

Importing this module does not import torch (the ``sat-config`` parser registers it).
Exit codes as ``sat-config train``: 0 done, 1 invalid config, 2 unusable input or output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

OK, INVALID, USAGE = 0, 1, 2
WEIGHT_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth")


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="RUN_OR_CKPT",
                   help="a run directory (its newest last.ckpt) or a checkpoint file")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="model.safetensors, or model.ckpt for torch.save({'state_dict': ...})")
    p.add_argument("--ema", action="store_true",
                   help="export the EMA weights (an error when the run kept none)")
    p.add_argument("--config", metavar="FILE",
                   help="model config (default: the one saved in the checkpoint)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")


def find_checkpoint(source: str | Path) -> Path:
    """``source`` itself when it is a file; for a directory, its newest ``last.ckpt`` (in
    ``checkpoints/`` of any run or version below it), else its newest ``*.ckpt``."""
    from .errors import InputError

    source = Path(source)
    if source.is_file():
        return source
    if not source.is_dir():
        raise InputError(f"{source} does not exist")
    for pattern in ("last.ckpt", "*.ckpt"):
        found = [p for p in source.rglob(pattern) if p.is_file() and not p.name.startswith(".")]
        if found:
            return max(found, key=lambda p: p.stat().st_mtime_ns)
    raise InputError(f"{source} holds no checkpoint (*.ckpt)")


def to_upstream_names(state: dict[str, Any]) -> dict[str, Any]:
    """Our weight-norm parametrization names -> upstream's (torch's old ``weight_norm``)."""
    from .checkpoints import WEIGHT_NORM_NAMES

    renamed = {}
    for key, value in state.items():
        for theirs, ours in WEIGHT_NORM_NAMES:
            if key == ours or key.endswith("." + ours):
                key = key[: len(key) - len(ours)] + theirs
                break
        renamed[key] = value
    return renamed


def _ema_state(wrapper, model) -> dict[str, Any] | None:
    """The model's state dict with every EMA-averaged part replaced by its average, or None
    when the wrapper keeps no EMA."""
    from .ema import EMA

    averages = [m for m in wrapper.modules() if isinstance(m, EMA)]
    if not averages:
        return None
    state = dict(model.state_dict())
    for ema in averages:
        shadow = ema.module.state_dict()
        shapes = {k: v.shape for k, v in shadow.items()}
        for prefix, sub in model.named_modules():  # the part it averages: same class and names
            if type(sub) is type(ema.module) and \
                    {k: v.shape for k, v in sub.state_dict().items()} == shapes:
                lead = f"{prefix}." if prefix else ""
                state.update({lead + k: v for k, v in shadow.items()})
                break
        else:
            return None
    return state


def exported_state_dict(checkpoint: str | Path, config: Any = None, *, ema: bool = False
                        ) -> tuple[dict[str, Any], Any]:
    """(upstream-named model state dict, typed config) from a training checkpoint.

    ``config`` (typed, dict or path) overrides the config saved in the checkpoint."""
    from ..api import load_config
    from ..api import ConfigWarning
    from .checkpoints import describe_mismatch, read_checkpoint
    from .errors import CheckpointFileError, InputError
    from .factory import create_model_from_config, create_training_wrapper_from_config

    saved = read_checkpoint(checkpoint)
    if config is not None:
        typed = load_config(config)
    else:
        config = saved.get("sat_config") or saved.get("model_config")
        if config is None:
            raise InputError(f"{checkpoint}: holds no model config; pass --config")
        with warnings.catch_warnings():  # warned about when the run started
            warnings.simplefilter("ignore", ConfigWarning)
            typed = load_config(config)
    state = saved.get("state_dict")
    if not isinstance(state, dict) or not state:
        raise CheckpointFileError(checkpoint, "has no 'state_dict' entry: not a checkpoint "
                                              "written by sat-config train")
    model = create_model_from_config(typed)
    wrapper = create_training_wrapper_from_config(typed, model)
    expected = {k: v.shape for k, v in wrapper.state_dict().items()}
    problem = describe_mismatch(expected, state)
    pretransform = getattr(model, "pretransform", None)
    if problem and pretransform is not None:  # trained with --remove-pretransform-weight-norm?
        from .run import remove_weight_norm

        if remove_weight_norm(pretransform):
            expected = {k: v.shape for k, v in wrapper.state_dict().items()}
            problem = describe_mismatch(expected, state)
    if problem:
        raise CheckpointFileError(checkpoint, f"does not fit the config's model: {problem}")
    wrapper.load_state_dict(state, strict=True)
    if ema:
        weights = _ema_state(wrapper, model)
        if weights is None:
            raise InputError(f"{checkpoint}: --ema asked for EMA weights, but this run kept "
                             "none (training.use_ema is off)")
    else:
        weights = model.state_dict()
    weights = {k: v.detach().to("cpu").contiguous().clone() for k, v in weights.items()}
    return to_upstream_names(weights), typed


def _write_atomically(path: Path, write) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def export(source: str | Path, output: str | Path, *, ema: bool = False, config: Any = None,
           force: bool = False) -> tuple[Path, Path]:
    """Write the model of ``source`` (run directory or checkpoint) to ``output`` and its config
    to ``output`` with a ``.json`` suffix; returns both paths."""
    import torch

    from ..api import dump
    from .errors import InputError

    output = Path(output)
    if output.suffix not in WEIGHT_SUFFIXES:
        raise InputError(f"{output}: the output name must end with "
                         f"{', '.join(WEIGHT_SUFFIXES)}")
    config_path = output.with_suffix(".json")
    for target in (output, config_path):
        if target.exists() and not force:
            raise InputError(f"{target} exists; pass --force to overwrite")
    if not output.parent.is_dir():
        raise InputError(f"{output.parent} is not a directory")
    checkpoint = find_checkpoint(source)
    weights, typed = exported_state_dict(checkpoint, config, ema=ema)
    if output.suffix == ".safetensors":
        from safetensors.torch import save_file

        _write_atomically(output, lambda p: save_file(weights, str(p), metadata={"format": "pt"}))
    else:
        _write_atomically(output, lambda p: torch.save({"state_dict": weights}, p))
    text = json.dumps(dump(typed), indent=2, ensure_ascii=False) + "\n"
    _write_atomically(config_path, lambda p: p.write_text(text, encoding="utf-8"))
    return output, config_path


def run_export(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from .errors import TrainingError

    config = None
    if args.config:
        from .. import load_config

        try:
            config = load_config(args.config)
        except ConfigError as exc:
            for issue in exc.issues:
                print(issue.format(), file=sys.stderr)
            return USAGE if any(i.rule == "io" for i in exc.issues) else INVALID
    try:
        weights, config_path = export(args.source, args.output, ema=args.ema, config=config,
                                      force=args.force)
    except ImportError as exc:
        print(f"sat-config: export needs the [train] extra: {exc}", file=sys.stderr)
        return USAGE
    except ConfigError as exc:  # the config saved in the checkpoint no longer validates
        for issue in exc.issues:
            print(issue.format(), file=sys.stderr)
        return INVALID
    except TrainingError as exc:
        print(f"sat-config: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {weights}")
    print(f"  config: {config_path}")
    return OK
