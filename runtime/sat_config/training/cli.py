"""``sat-config train``: validate, then build and fit. Importing this module does not import torch.

Exit codes: 0 done, 1 invalid config (every issue printed first), 2 usage error (bad arguments,
unreadable or unusable files, checkpoints, datasets or output directories, a valid but unsupported
setting), 3 training failed after it started (non-finite loss, a checkpoint that cannot be
written), 130 / 143 interrupted by Ctrl-C / SIGTERM (after saving ``last.ckpt``). Every failure is
one line on stderr; the library raises typed exceptions and this module only formats them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

OK, INVALID, USAGE = 0, 1, 2
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def _devices(value: str) -> str | int:
    return int(value) if value.isdigit() else value


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _steps(value: str) -> int:
    return -1 if int(value) == -1 else _positive(value)


def _every(value: str) -> int | None:
    """A step interval; -1 (upstream's default for val_every) turns it off."""
    return None if int(value) in (-1, 0) else _positive(value)


def _path(value: str) -> str | None:
    """A file path; '' means none (upstream's defaults.ini writes unset paths as '')."""
    return value or None


def _top_k(value: str) -> int:
    number = int(value)
    if number < -1:
        raise argparse.ArgumentTypeError(f"must be -1 (keep all), 0 or more, got {value}")
    return number


def _clip(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 (off) or more, got {value}")
    return number


LOGGER_CHOICES = ("csv", "tensorboard", "wandb", "comet")


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG", nargs="?",
                   help="model + training config (JSON or YAML); or --model-config")
    p.add_argument("--model-config", metavar="FILE", help="the same as CONFIG (train.py's name)")
    p.add_argument("--dataset-config", type=_path, metavar="FILE",
                   help="dataset config (default: synthetic tones, chirps and noise)")
    p.add_argument("--val-dataset-config", type=_path, metavar="FILE",
                   help="validation dataset config (enables eval_loss_configs metrics)")
    p.add_argument("--val-every", type=_every, metavar="N",
                   help="validate every N steps (-1: once per epoch, as without it)")
    p.add_argument("--max-steps", type=_steps, default=-1, metavar="N",
                   help="stop after N optimizer steps (default: no limit)")
    p.add_argument("--batch-size", type=_positive, default=4, metavar="B")
    p.add_argument("--accelerator", default="auto", help="cpu, gpu, auto ... (Lightning)")
    p.add_argument("--devices", type=_devices, default="auto", help="device count or list")
    p.add_argument("--num-gpus", type=_positive, metavar="N",
                   help="train.py's name: --accelerator gpu --devices N")
    p.add_argument("--num-nodes", type=_positive, default=1)
    p.add_argument("--strategy", default="auto",
                   help="Lightning strategy (auto, ddp, deepspeed, fsdp ...)")
    p.add_argument("--precision", default="32-true",
                   help="Lightning precision: 32-true, 16-mixed, bf16-mixed ...")
    p.add_argument("--ckpt-path", type=_path, metavar="FILE",
                   help="resume from this checkpoint (optimizer, scheduler and EMA state)")
    p.add_argument("--recover", action="store_true",
                   help="resume from the newest checkpoint in --output-dir (default: the newest "
                        "runs/<config name>/version_N); start afresh if there is none")
    p.add_argument("--output-dir", "--save-dir", dest="output_dir", type=_path, metavar="DIR",
                   help="checkpoints, logs and demos (default: a new runs/<config name>/version_N);"
                        " refused if it holds another run's outputs, unless resuming")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--checkpoint-every", type=_positive, default=1000, metavar="N",
                   help="save a checkpoint every N steps (plus last.ckpt at the end)")
    p.add_argument("--num-workers", type=int, default=0, metavar="N", help="data loader workers")
    p.add_argument("--pretrained-ckpt-path", type=_path, metavar="FILE",
                   help="start a new run from these model weights (a sat-config checkpoint or "
                        "export, or upstream's unwrapped model), loaded strictly")
    p.add_argument("--pretransform-ckpt-path", type=_path, metavar="FILE",
                   help="weights for the model's pretransform (e.g. a trained autoencoder)")
    p.add_argument("--remove-pretransform-weight-norm", choices=["pre_load", "post_load", ""],
                   default="", metavar="WHEN",
                   help="pre_load / post_load: fold the pretransform's weight norm into plain "
                        "weights before / after loading --pretransform-ckpt-path")
    p.add_argument("--accum-batches", type=_positive, default=1, metavar="N",
                   help="accumulate gradients over N batches per optimizer step")
    p.add_argument("--gradient-clip-val", type=_clip, default=0.0, metavar="X",
                   help="clip the gradient norm to X (0: off)")
    p.add_argument("--save-top-k", type=_top_k, default=-1, metavar="K",
                   help="periodic checkpoints kept: -1 all, K the newest K (last.ckpt always)")
    p.add_argument("--name", metavar="NAME",
                   help="run name: runs/NAME/version_N by default, and the loggers' run name")
    p.add_argument("--project", metavar="NAME",
                   help="wandb / comet project (default: --name, as train.py does)")
    p.add_argument("--logger", action="append", choices=LOGGER_CHOICES, metavar="LOGGER",
                   help="csv, tensorboard, wandb or comet; repeatable; CSV is always written "
                        "(default: csv + tensorboard when installed)")


def _print_issues(exc) -> int:
    for issue in exc.issues:
        print(issue.format(), file=sys.stderr)
    return USAGE if any(i.rule == "io" for i in exc.issues) else INVALID


def _usage(message: str) -> int:
    print(f"sat-config: {message}", file=sys.stderr)
    return USAGE


def _fail(exc) -> int:
    """One line for a typed training failure; its class chose the exit code."""
    print(f"sat-config: {' '.join(str(exc).split())}", file=sys.stderr)
    return exc.exit_code


def run_train(args: argparse.Namespace) -> int:
    from .. import load_config, load_dataset_config
    from ..errors import ConfigError

    if bool(args.config) == bool(args.model_config):
        return _usage("give the model config once: as CONFIG or as --model-config")
    args.config = args.config or args.model_config
    try:  # every config is validated before torch is imported
        config = load_config(args.config)
        datasets = [load_dataset_config(f) if f else None
                    for f in (args.dataset_config, args.val_dataset_config)]
    except ConfigError as exc:
        return _print_issues(exc)
    if args.ckpt_path and args.recover:
        return _usage("--ckpt-path and --recover both choose the checkpoint to resume: pass one")
    for flag in ("ckpt_path", "pretrained_ckpt_path", "pretransform_ckpt_path"):
        value = getattr(args, flag)
        if value and not Path(value).is_file():
            return _usage(f"--{flag.replace('_', '-')} {value} does not exist")
    if args.ckpt_path and args.pretrained_ckpt_path:
        return _usage("--ckpt-path resumes a run, --pretrained-ckpt-path starts a new one: "
                      "pass one")
    try:
        return _train(args, config, datasets)
    except KeyboardInterrupt:  # before the training stack could take over the signal
        print("sat-config: interrupted", file=sys.stderr)
        return INTERRUPTED


def _train(args: argparse.Namespace, config, datasets) -> int:
    from .errors import TrainingError
    from .outputs import default_output_dir

    try:
        from .run import TrainOptions, train
    except ImportError as exc:
        return _usage(f"training needs the [train] extra (pip install 'sat-config[train]'): {exc}")
    try:
        output_dir = Path(args.output_dir) if args.output_dir else \
            default_output_dir(Path("runs") / (args.name or Path(args.config).stem),
                               latest=args.recover)
    except TrainingError as exc:
        return _fail(exc)
    accelerator, devices = args.accelerator, args.devices
    if args.num_gpus:
        accelerator, devices = ("gpu" if accelerator == "auto" else accelerator), args.num_gpus
    options = TrainOptions(
        output_dir=output_dir, recover=args.recover,
        max_steps=args.max_steps, batch_size=args.batch_size, accelerator=accelerator,
        devices=devices, num_nodes=args.num_nodes, strategy=args.strategy,
        precision=args.precision, ckpt_path=args.ckpt_path, seed=args.seed,
        checkpoint_every=args.checkpoint_every, num_workers=args.num_workers,
        val_every=args.val_every, pretrained_ckpt_path=args.pretrained_ckpt_path,
        pretransform_ckpt_path=args.pretransform_ckpt_path,
        remove_pretransform_weight_norm=args.remove_pretransform_weight_norm or None,
        accum_batches=args.accum_batches, gradient_clip_val=args.gradient_clip_val or None,
        save_top_k=args.save_top_k, name=args.name, project=args.project,
        loggers=None if args.logger is None else tuple(dict.fromkeys(args.logger)))
    try:
        result = train(config, options, *datasets)
    except TrainingError as exc:
        return _fail(exc)
    except (NotImplementedError, FileNotFoundError) as exc:
        return _usage(str(exc))
    if not result.is_global_zero:
        return OK
    if result.resumed_from:
        print(f"resumed from {result.resumed_from}")
    print(f"trained to step {result.global_step}")
    print(f"  checkpoints: {result.checkpoint_dir}"
          + (f" (last: {result.last_checkpoint.name})" if result.last_checkpoint else ""))
    print(f"  logs:        {result.log_dir}")
    if result.demo_files:
        print(f"  demos:       {result.demo_files[0].parent} ({len(result.demo_files)} files)")
    return OK
