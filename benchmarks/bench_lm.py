"""Audio language model training step on CPU, printed (not asserted).

The lm wrapper's step (inside a Lightning Trainer) against a hand-written loop of the same
model, loss and optimiser (frozen tokenizer, conditioner, logits, per-codebook cross-entropy,
AdamW, EMA every 10 steps); target <= 1.05x. The model is examples/lm-tiny.json with a wider,
deeper transformer (embed 512, depth 4) so that a step is long enough to time.

Usage: python benchmarks/bench_lm.py [--steps N] [--rounds R]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
import warnings
from pathlib import Path

from _lightning_timing import lightning_step_times  # benchmarks/ is on the path of a script

REPO = Path(__file__).resolve().parents[1]
WARMUP = 3


def config() -> dict:
    cfg = json.loads((REPO / "examples" / "lm-tiny.json").read_text())
    cfg["model"]["lm"]["config"].update(embed_dim=512, depth=4, dim_heads=64,
                                        prepend_cond_dim=512)
    cfg["model"]["conditioning"]["cond_dim"] = 512
    cfg["sample_size"] = 8192
    return cfg


def _batches(typed, n: int):
    import torch

    from sat_config.training.data.synthetic import SyntheticAudio

    data = SyntheticAudio(typed.sample_rate, typed.sample_size, typed.audio_channels, seed=0)
    out = []
    for i in range(n):
        audio, meta = data[i]
        out.append((audio[None], [meta]))
    torch.manual_seed(0)
    return out


def wrapper_steps(typed, batches) -> list[float]:
    from sat_config.training import create_model_from_config, create_training_wrapper_from_config

    wrapper = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    return lightning_step_times(wrapper, batches)

def hand_written_steps(typed, batches) -> list[float]:
    import torch

    from sat_config.kinds.lm.wrapper import codebook_cross_entropy, padding_mask
    from sat_config.training import create_model_from_config, create_training_wrapper_from_config
    from sat_config.training.ema import EMA

    model = create_model_from_config(typed)
    parts = create_training_wrapper_from_config(typed, model)  # the same trained parts
    trained = parts.trained_parts()
    optimiser = parts.configure_optimizers()  # the same AdamW (betas 0.9/0.95, weight decay 0.1)
    ema = EMA(trained, beta=0.99, power=2 / 3) if typed.training.use_ema else None
    model.pretransform.eval()
    times = []
    for step, (reals, metadata) in enumerate(batches):
        start = time.perf_counter()
        with torch.no_grad():
            codes = model.pretransform.tokenize(reals)
        cond = model.conditioner(metadata, reals.device) if model.conditioner is not None else None
        out = model.compute_logits(codes, condition_tensors=cond, cfg_dropout_prob=0.1)
        mask = out.mask & padding_mask(metadata, codes.shape[0], codes.shape[-1],
                                       codes.device)[:, None, :]
        loss, _ = codebook_cross_entropy(out.logits, codes, mask)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if ema is not None and (step + 1) % 10 == 0:
            ema.update(trained)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    import torch

    import sat_config

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    typed = sat_config.load_config(config())
    batches = _batches(typed, args.steps + WARMUP)
    hand_written_steps(typed, batches[:WARMUP])
    runs: dict[str, list[float]] = {"wrapper": [], "hand": []}
    for r in range(args.rounds):
        for side in (("wrapper", "hand") if r % 2 == 0 else ("hand", "wrapper")):
            gc.collect()
            steps = (wrapper_steps if side == "wrapper" else hand_written_steps)(typed, batches)
            runs[side] += steps[WARMUP:]
    wrapped, manual = statistics.median(runs["wrapper"]), statistics.median(runs["hand"])
    frames = typed.sample_size // typed.model.pretransform.config.downsampling_ratio
    print(f"lm step (embed 512, depth 4, {frames} frames x 4 codebooks, batch 1, EMA, "
          f"CPU x{args.threads}): wrapper {wrapped * 1000:.1f} ms, hand-written "
          f"{manual * 1000:.1f} ms, overhead {wrapped / manual:.3f}x   (target <= 1.05x)")
    print(f"  machine load average {os.getloadavg()[0]:.1f} over {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
