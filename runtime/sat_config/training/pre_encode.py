"""``sat-config pre-encode``: audio from a dataset config -> latent files for ``pre_encoded``
training. Importing this module does not import torch.

The encoder is either the pretransform of a model config (a diffusion config with
``model.pretransform``; ``--ckpt-path`` then holds the pretransform's autoencoder weights) or a
whole autoencoder config with its trained checkpoint (``--ckpt-path``, e.g. a ``sat-config train``
checkpoint). Each item becomes ``<id>.npy`` (``(channels, frames)`` float32) and ``<id>.json``
(its metadata: prompt and other custom metadata, ``seconds_start``, ``seconds_total``, and
``padding_mask`` resized to the latent frames), upstream's pre-encoded layout. Files are written
atomically, the ``.json`` last, so a rerun skips every finished item and redoes the rest.

Latents are written as the autoencoder produces them (before a pretransform's ``scale``), which
is what ``pre_encoded: true`` training divides by that scale, as upstream does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

OK, INVALID, USAGE = 0, 1, 2


def add_pre_encode_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG",
                   help="a model config with model.pretransform (diffusion kinds) or an "
                        "autoencoder config (then --ckpt-path is required)")
    p.add_argument("--dataset-config", metavar="FILE", required=True,
                   help="the audio to encode (audio_dir or wds/s3)")
    p.add_argument("-o", "--output-dir", metavar="DIR", required=True,
                   help="where the .npy latents and .json metadata go (reruns resume)")
    p.add_argument("--ckpt-path", metavar="FILE",
                   help="autoencoder weights: the autoencoder config's checkpoint, or the "
                        "pretransform's weights for a model config")
    p.add_argument("--sample-size", type=int, metavar="N",
                   help="samples per item (default: the config's sample_size)")
    p.add_argument("--batch-size", type=int, default=1, metavar="B")
    p.add_argument("--num-workers", type=int, default=0, metavar="N")
    p.add_argument("--device", default="cpu", help="torch device for encoding (cpu, cuda ...)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_pre_encode(args: argparse.Namespace) -> int:
    from .. import load_config, load_dataset_config
    from ..errors import ConfigError

    try:  # both configs are validated before torch is imported
        config = load_config(args.config)
        dataset = load_dataset_config(args.dataset_config)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue.format(), file=sys.stderr)
        return USAGE if any(i.rule == "io" for i in exc.issues) else INVALID
    if args.ckpt_path and not Path(args.ckpt_path).is_file():
        return _usage(f"--ckpt-path {args.ckpt_path} does not exist")
    from .errors import TrainingError

    try:
        written, skipped = pre_encode(
            config, dataset, Path(args.output_dir), ckpt_path=args.ckpt_path,
            sample_size=args.sample_size, batch_size=args.batch_size,
            num_workers=args.num_workers, device=args.device, progress=not args.no_progress,
            sources={"model_config": args.config, "dataset_config": args.dataset_config})
    except TrainingError as exc:
        print(f"sat-config: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except (NotImplementedError, FileNotFoundError, ValueError) as exc:
        return _usage(" ".join(str(exc).split()))
    print(f"pre-encoded {written} item(s) into {args.output_dir}"
          + (f" ({skipped} already there)" if skipped else ""))
    return OK


def _usage(message: str) -> int:
    print(f"sat-config: {message}", file=sys.stderr)
    return USAGE


# --- the encoding itself (imports torch) -------------------------------------------------------


def build_encoder(config, ckpt_path: str | None):
    """``(encode(audio) -> latents, sample_rate)`` for typed ``config``."""
    import logging

    import torch

    from ..errors import not_built
    from .checkpoints import load_weights
    from .components.pretransforms import build_pretransform, load_pretransform_checkpoint

    from ..models import AutoencoderConfig

    spec = getattr(getattr(config, "model", None), "pretransform", None)
    if isinstance(config, AutoencoderConfig):  # the autoencoder itself encodes
        from .factory import create_model_from_config

        if not ckpt_path:
            raise ValueError("pre-encoding with an autoencoder config needs its trained weights: "
                             "--ckpt-path")
        model = create_model_from_config(config).eval().requires_grad_(False)
        load_weights(model, ckpt_path, what="the autoencoder")
        if model.is_discrete:
            raise not_built("pre-encoding", "discrete autoencoder",
                            why="pre-encoded training takes continuous latents")
        return model, model.encode
    if spec is None:
        raise ValueError(f"{config.model_type} config has no model.pretransform to encode with; "
                         "give an autoencoder config and --ckpt-path instead")
    pretransform = build_pretransform(spec, config.sample_rate)
    if pretransform.is_discrete:
        raise not_built("pre-encoding", f"discrete {spec.type} pretransform",
                        why="pre-encoded training takes continuous latents")
    if ckpt_path:
        load_pretransform_checkpoint(pretransform, ckpt_path)
    elif spec.type == "autoencoder":
        logging.getLogger(__name__).warning(
            "no --ckpt-path: the autoencoder pretransform has random weights")
    pretransform.eval()
    scale = float(getattr(pretransform, "scale", 1.0))

    def encode(audio: torch.Tensor) -> torch.Tensor:
        return pretransform.encode(audio) * scale  # undo the scale: training divides by it

    return pretransform, encode


def _jsonable(value: Any) -> Any:
    """Metadata as JSON: tensors and arrays to lists; values JSON cannot hold are left out."""
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        out = {str(k): _jsonable(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _SKIP}
    if isinstance(value, (list, tuple)):
        items = [_jsonable(v) for v in value]
        return _SKIP if any(v is _SKIP for v in items) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Path):
        return str(value)
    return _SKIP


_SKIP = object()


def _item_name(info: dict[str, Any], index: int) -> str:
    key = info.get("__key__")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(key)) if key else f"{index:08d}"


def pre_encode(config, dataset_config, output_dir: Path, *, ckpt_path: str | None = None,
               sample_size: int | None = None, batch_size: int = 1, num_workers: int = 0,
               device: str = "cpu", progress: bool = True,
               sources: dict[str, str] | None = None) -> tuple[int, int]:
    """Encode every item of ``dataset_config`` into ``output_dir``; returns (written, skipped)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, IterableDataset, Subset

    from .checkpoint_io import atomic_write
    from .data.loaders import DATASETS, collate

    if dataset_config.dataset_type == "pre_encoded" or \
            getattr(dataset_config, "pre_encoded", False):
        raise ValueError("the dataset config already holds latents: pre-encode reads audio")
    if dataset_config.dataset_type in ("wds", "s3"):  # every item once, not an endless stream
        dataset_config = dataset_config.model_copy(update={"resampled_shards": False})
    model, encode = build_encoder(config, ckpt_path)
    model.to(device)
    shape_config = config.model_copy(update={"sample_size": sample_size or config.sample_size})
    dataset = DATASETS.build(dataset_config.dataset_type, dataset_config, shape_config,
                             batch_size=batch_size)
    output_dir.mkdir(parents=True, exist_ok=True)
    details = output_dir / "details.json"
    if not details.exists():
        text = json.dumps({"sample_size": shape_config.sample_size,
                           "sample_rate": config.sample_rate, **(sources or {})}, indent=2)
        atomic_write(details, lambda f: f.write(text.encode()))

    def done(name: str) -> bool:
        return (output_dir / f"{name}.json").is_file() and (output_dir / f"{name}.npy").is_file()

    skipped = 0
    if isinstance(dataset, IterableDataset):
        todo, total = dataset, None
    else:
        indices = [i for i in range(len(dataset)) if not done(f"{i:08d}")]
        skipped = len(dataset) - len(indices)
        todo, total = Subset(_Indexed(dataset), indices), len(indices)
        dataset = todo
    loader = DataLoader(todo, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        collate_fn=collate)
    bar = _progress(total, progress)
    written = 0
    with torch.no_grad():
        for audio, metadata in loader:
            latents = encode(audio.to(device)).float().cpu()
            for i, (latent, info) in enumerate(zip(latents, metadata)):
                name = _item_name(info, info.pop("__index__", written + skipped + i))
                if done(name):
                    skipped += 1
                    continue
                mask = info.get("padding_mask")
                if mask is not None:
                    mask = torch.as_tensor(mask).float()[None, None]
                    info["padding_mask"] = F.interpolate(mask, size=latent.shape[-1],
                                                         mode="nearest")[0, 0].int()
                array = latent.numpy().astype(np.float32)
                atomic_write(output_dir / f"{name}.npy", lambda f: np.save(f, array))
                text = json.dumps(_jsonable(info))
                atomic_write(output_dir / f"{name}.json", lambda f: f.write(text.encode()))
                written += 1
            bar.update(len(metadata))
    bar.close()
    return written, skipped


class _Indexed:
    """A map-style dataset whose metadata carries the item's index (its file name)."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        audio, info = self.dataset[index]
        return audio, {**info, "__index__": index}


def _progress(total: int | None, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with Lightning
        tqdm = None
    if tqdm is not None:
        return tqdm(total=total, disable=not enabled, unit="item", desc="pre-encoding",
                    file=sys.stderr)

    class _Plain:
        def __init__(self):
            self.n = 0

        def update(self, n: int) -> None:
            self.n += n
            if enabled:
                print(f"\rpre-encoding: {self.n}/{total or '?'} items", end="", file=sys.stderr)

        def close(self) -> None:
            if enabled:
                print(file=sys.stderr)

    return _Plain()
