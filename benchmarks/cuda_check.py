"""Train every tiny example a few steps through ``sat-config train`` on one device, in mixed
precision, and check what a GPU run has to get right. Prints one table; exits 1 if any kind fails.

Per example (``examples/*-tiny.json``, synthetic audio as without --dataset-config):
- the run exits 0 and trains the asked-for number of optimizer steps;
- the logged losses of the last step are finite;
- every parameter and buffer lives on the device, parameters stay float32 (mixed precision keeps
  fp32 master weights), and convolutions / linear layers do compute in bf16 under autocast;
- ``last.ckpt`` loads with ``torch.load(weights_only=True)``, is at the final step, and its
  floating-point weights and optimizer state are float32 and finite;
- median step time after warm-up (ms) and peak device memory (MiB; CUDA only).

All kinds run in this one process, through ``sat_config.cli.main(["train", ...])``: the real
argument parsing, validation, factories, data loader, callbacks and checkpoint writer, with one
observing callback added to the Trainer (a subprocess per kind would pay Python, torch, Lightning
and CUDA start-up seven times, and could not observe steps, dtypes or peak memory). ``--isolate``
runs each kind in a child process of this script instead (a CUDA fault then spoils one kind only).

Usage: python benchmarks/cuda_check.py [--device cuda|cpu] [--precision bf16-mixed]
       [--steps N] [--warmup W] [--batch-size B] [--kinds K ...] [--out DIR] [--json FILE]
       [--isolate]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(REPO.glob("examples/*-tiny.json"))


def _name(path: Path) -> str:
    return path.name.removesuffix("-tiny.json")


@dataclass
class Result:
    kind: str
    ok: bool = False
    exit_code: int | None = None
    batches: int = 0
    global_step: int | None = None
    loss_key: str = ""
    final_loss: float | None = None
    median_ms: float | None = None
    peak_mib: float | None = None
    wall_s: float = 0.0
    bf16_ops: int = 0
    low_precision_ops: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Probe:
    """A Lightning callback (built lazily: Lightning is imported inside the run) that times
    training batches and looks at devices, dtypes and logged losses."""

    def __new__(cls, device: str, precision: str):
        import pytorch_lightning as pl
        import torch
        from torch import nn

        class _Probe(pl.Callback):
            def __init__(self):
                self.times: list[float] = []
                self.losses: dict[str, float] = {}
                self.out_dtypes: list[torch.dtype] = []
                self.misplaced: list[str] = []
                self.non_fp32_params: list[str] = []
                self._hooks: list = []
                self._start = 0.0

            def _sync(self):
                if device == "cuda":
                    torch.cuda.synchronize()

            def on_train_start(self, trainer, module):
                for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
                    if tensor.device.type != device:
                        self.misplaced.append(f"{name} on {tensor.device}")
                self.non_fp32_params = [n for n, p in module.named_parameters()
                                        if p.dtype != torch.float32]

                def record(_module, _inputs, output):
                    if isinstance(output, torch.Tensor) and output.is_floating_point():
                        self.out_dtypes.append(output.dtype)

                for sub in module.modules():
                    if isinstance(sub, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d)):
                        self._hooks.append(sub.register_forward_hook(record))

            def on_train_batch_start(self, trainer, module, batch, batch_idx):
                self._sync()
                self._start = time.perf_counter()

            def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
                self._sync()
                self.times.append(time.perf_counter() - self._start)
                for hook in self._hooks:  # dtypes of the first batch are enough
                    hook.remove()
                self._hooks.clear()
                self.losses = {k: float(v) for k, v in trainer.callback_metrics.items()
                               if k.startswith("train/") and "loss" in k}

        return _Probe()


def _observed_trainer(probe):
    """A stand-in for the ``pl`` module seen by ``sat_config.training.run``: the same, except
    that its Trainer also gets ``probe``."""
    import pytorch_lightning as pl

    class Trainer(pl.Trainer):
        def __init__(self, *args, callbacks=None, **kwargs):
            super().__init__(*args, callbacks=[*(callbacks or []), probe], **kwargs)

    proxy = types.ModuleType(pl.__name__)
    proxy.__dict__.update(pl.__dict__)
    proxy.Trainer = Trainer
    return proxy


def _check_checkpoint(path: Path, result: Result, steps: int) -> None:
    import torch

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        result.checks["ckpt_loads"] = False
        result.problems.append(f"last.ckpt: torch.load(weights_only=True) failed: {exc}")
        return
    result.checks["ckpt_loads"] = True
    result.global_step = checkpoint.get("global_step")
    result.checks["ckpt_step"] = result.global_step == steps
    if not result.checks["ckpt_step"]:
        result.problems.append(f"last.ckpt is at step {result.global_step}, not {steps}")
    state = checkpoint.get("state_dict", {})
    floats = {k: v for k, v in state.items() if torch.is_tensor(v) and v.is_floating_point()}
    not_fp32 = [f"{k} {v.dtype}" for k, v in floats.items() if v.dtype != torch.float32]
    result.checks["weights_fp32"] = bool(floats) and not not_fp32
    if not_fp32:
        result.problems.append(f"{len(not_fp32)} weight(s) not float32: {', '.join(not_fp32[:3])}")
    bad = [k for k, v in floats.items() if not torch.isfinite(v).all()]
    optimiser_tensors = [t for s in checkpoint.get("optimizer_states", [])
                         for per_param in s.get("state", {}).values()
                         for t in per_param.values() if torch.is_tensor(t) and t.is_floating_point()]
    opt_not_fp32 = sorted({str(t.dtype) for t in optimiser_tensors if t.dtype != torch.float32})
    result.checks["optim_fp32"] = bool(optimiser_tensors) and not opt_not_fp32
    if not optimiser_tensors:
        result.problems.append("last.ckpt has no optimizer state")
    elif opt_not_fp32:
        result.problems.append(f"optimizer state in {', '.join(opt_not_fp32)}")
    bad += ["optimizer state" for t in optimiser_tensors if not torch.isfinite(t).all()][:1]
    result.checks["ckpt_finite"] = not bad
    if bad:
        result.problems.append(f"non-finite values in last.ckpt: {', '.join(bad[:3])}")
    result.checks["model_config"] = "model_config" in checkpoint
    if not result.checks["model_config"]:
        result.problems.append("last.ckpt has no model_config")


def run_kind(example: Path, args: argparse.Namespace, out_dir: Path) -> Result:
    """Train ``example`` for ``args.steps`` optimizer steps through the CLI and check the run."""
    import torch

    from sat_config.cli import main as cli_main
    from sat_config.training import run as run_module

    result = Result(_name(example))
    output_dir = out_dir / result.kind
    probe = Probe(args.device, args.precision)
    if args.device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    argv = ["train", str(example), "--max-steps", str(args.steps), "--batch-size",
            str(args.batch_size), "--accelerator", "gpu" if args.device == "cuda" else "cpu",
            "--devices", "1", "--precision", args.precision, "--output-dir", str(output_dir),
            "--logger", "csv", "--seed", "0"]
    start = time.perf_counter()
    original = run_module.pl
    run_module.pl = _observed_trainer(probe)
    try:
        result.exit_code = cli_main(argv)
    except Exception as exc:  # noqa: BLE001 - one kind's crash must not hide the others
        result.problems.append(f"raised {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    finally:
        run_module.pl = original
    result.wall_s = time.perf_counter() - start
    if result.exit_code not in (None, 0):
        result.problems.append(f"sat-config train exited {result.exit_code}")
    result.batches = len(probe.times)
    timed = probe.times[args.warmup:]
    if timed:
        result.median_ms = 1000 * statistics.median(timed)
    if args.device == "cuda":
        result.peak_mib = torch.cuda.max_memory_allocated() / 2**20

    losses = probe.losses
    result.loss_key = "train/loss" if "train/loss" in losses else next(iter(sorted(losses)), "")
    result.final_loss = losses.get(result.loss_key)
    result.checks["loss_finite"] = bool(losses) and all(math.isfinite(v) for v in losses.values())
    if not losses:
        result.problems.append("no train/*loss* metric was logged")
    elif not result.checks["loss_finite"]:
        result.problems.append(f"non-finite loss: {losses}")
    result.checks["on_device"] = not probe.misplaced
    if probe.misplaced:
        result.problems.append(f"{len(probe.misplaced)} tensor(s) not on {args.device}: "
                               f"{', '.join(probe.misplaced[:3])}")
    result.checks["params_fp32"] = not probe.non_fp32_params
    if probe.non_fp32_params:
        result.problems.append(f"parameters not float32: {', '.join(probe.non_fp32_params[:3])}")
    result.bf16_ops = sum(d == torch.bfloat16 for d in probe.out_dtypes)
    result.low_precision_ops = sum(d in (torch.bfloat16, torch.float16) for d in probe.out_dtypes)
    if args.precision.startswith(("bf16", "16")):
        result.checks["autocast"] = result.low_precision_ops > 0
        if not result.low_precision_ops:
            result.problems.append(f"no linear/conv layer computed in low precision "
                                   f"({len(probe.out_dtypes)} calls seen)")

    last = output_dir / "checkpoints" / "last.ckpt"
    if last.is_file():
        _check_checkpoint(last, result, args.steps)
    else:
        result.checks["ckpt_loads"] = False
        result.problems.append(f"no {last.relative_to(out_dir)} written")
    result.ok = result.exit_code == 0 and not result.problems and all(result.checks.values())
    return result


def _run_isolated(example: Path, args: argparse.Namespace, out_dir: Path) -> Result:
    """``run_kind`` in a child process (its JSON result on the last line of its stdout)."""
    command = [sys.executable, "-u", __file__, "--child", "--kinds", _name(example),
               "--device", args.device, "--precision", args.precision, "--steps",
               str(args.steps), "--warmup", str(args.warmup), "--batch-size",
               str(args.batch_size), "--out", str(out_dir)]
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    lines = child.stdout.strip().splitlines()
    sys.stdout.write("\n".join(lines[:-1]) + "\n")
    try:
        return Result(**json.loads(lines[-1]))
    except (IndexError, ValueError, TypeError):
        result = Result(_name(example), exit_code=child.returncode)
        result.problems.append(f"child process exited {child.returncode} without a result")
        return result


def _environment(device: str) -> str:
    import pytorch_lightning as pl
    import torch

    parts = [f"python {sys.version.split()[0]}", f"torch {torch.__version__}",
             f"pytorch-lightning {pl.__version__}"]
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        parts += [f"{props.name} (sm_{props.major}{props.minor}, "
                  f"{props.total_memory / 2**30:.0f} GiB)", f"CUDA {torch.version.cuda}",
                  f"bf16 supported: {torch.cuda.is_bf16_supported()}"]
    else:
        parts.append(f"cpu threads: {torch.get_num_threads()}")
    return ", ".join(parts)


def _table(results: list[Result]) -> str:
    head = ("kind", "ok", "exit", "batches", "step", "loss", "ms/step", "peak MiB", "bf16 ops",
            "wall s")
    rows = [head]
    for r in results:
        rows.append((r.kind, "PASS" if r.ok else "FAIL", str(r.exit_code),
                     str(r.batches), str(r.global_step),
                     "-" if r.final_loss is None else f"{r.final_loss:.4g}",
                     "-" if r.median_ms is None else f"{r.median_ms:.1f}",
                     "-" if r.peak_mib is None else f"{r.peak_mib:.0f}",
                     f"{r.bf16_ops}", f"{r.wall_s:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        for problem in r.problems:
            lines.append(f"{r.kind}: {problem}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--precision", default="bf16-mixed",
                   help="Lightning precision (default bf16-mixed; 32-true for plain fp32)")
    p.add_argument("--steps", type=int, default=8, help="optimizer steps per kind")
    p.add_argument("--warmup", type=int, default=2, help="batches left out of the median")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--kinds", nargs="+", metavar="NAME",
                   help=f"examples to run (default all: {', '.join(map(_name, EXAMPLES))})")
    p.add_argument("--out", type=Path, help="run directories (default: a temporary directory)")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--isolate", action="store_true", help="one child process per kind")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    examples = EXAMPLES
    if args.kinds:
        unknown = sorted(set(args.kinds) - {_name(e) for e in EXAMPLES})
        if unknown:
            p.error(f"no example {', '.join(unknown)}-tiny.json")
        examples = [e for e in EXAMPLES if _name(e) in args.kinds]
    if not examples:
        p.error("no examples/*-tiny.json found")
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("cuda_check: CUDA is not available (torch "
              f"{torch.__version__}); use --device cpu", file=sys.stderr)
        return 2

    with contextlib.ExitStack() as stack:
        out_dir = args.out or Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="cuda_check-")))
        out_dir.mkdir(parents=True, exist_ok=True)
        if args.child:
            result = run_kind(examples[0], args, out_dir)
            print(json.dumps(asdict(result)))
            return 0
        print(_environment(args.device))
        print(f"{len(examples)} kinds x {args.steps} steps, batch {args.batch_size}, "
              f"{args.precision}, {'one process per kind' if args.isolate else 'one process'}",
              flush=True)
        start = time.perf_counter()
        results = []
        for example in examples:
            print(f"--- {_name(example)}", flush=True)
            result = (_run_isolated if args.isolate else run_kind)(example, args, out_dir)
            results.append(result)
            print(f"--- {result.kind}: {'PASS' if result.ok else 'FAIL'} "
                  f"({result.wall_s:.1f} s)", flush=True)
        print()
        print(_table(results))
        failed = [r.kind for r in results if not r.ok]
        if args.json:
            args.json.write_text(json.dumps({"environment": _environment(args.device),
                                             "steps": args.steps, "precision": args.precision,
                                             "results": [asdict(r) for r in results]}, indent=1))
        print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed "
              f"in {time.perf_counter() - start:.0f} s")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
