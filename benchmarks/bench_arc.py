"""ARC post-training step time on CPU, printed (not asserted: timings flake on shared machines).

The ARC wrapper's step inside a Lightning Trainer against a hand-written loop over the same
student, discriminator base, head, losses, AdamW optimisers and EMA, on the tiny example
(``examples/diffusion_cond_arc-tiny.json``: contrastive term and R1/R2 penalties on);
target overhead <= 1.05x.

Usage: python benchmarks/bench_arc.py [--steps N] [--rounds R] [--threads T] [--batch B]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "diffusion_cond_arc-tiny.json"
WARMUP = 4


def _batches(typed, steps: int, batch: int):
    from sat_config.training.data.loaders import collate
    from sat_config.training.data.synthetic import SyntheticAudio

    data = SyntheticAudio(typed.sample_rate, typed.sample_size, typed.audio_channels, seed=0)
    return [collate([data[i * batch + j] for j in range(batch)]) for i in range(steps)]


def _wrapper(typed):
    import torch

    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    torch.manual_seed(0)
    return create_training_wrapper_from_config(typed, create_model_from_config(typed))


def wrapper_steps(typed, batches) -> list[float]:
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    times: list[float] = []

    class Timer(pl.Callback):
        def on_train_batch_start(self, *args):
            self.start = time.perf_counter()

        def on_train_batch_end(self, *args):
            times.append(time.perf_counter() - self.start)
            _progress("wrapper", times)

    trainer = pl.Trainer(accelerator="cpu", devices=1, max_steps=len(batches), logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[Timer()])
    loader = DataLoader(batches, batch_size=None, collate_fn=lambda x: x)
    trainer.fit(_wrapper(typed), loader)
    return times


def hand_written_steps(typed, batches) -> list[float]:
    """The same computation in plain torch."""
    import torch
    import torch.nn.functional as F

    from sat_config.kinds.arc.discriminator import rolled_metadata

    parts = _wrapper(typed)
    student, disc, head, ema = (parts.diffusion, parts.discriminator, parts.discriminator_head,
                                parts.diffusion_ema)
    arc = typed.training.arc
    layer, weights = arc.discriminator.dit_hidden_layer, arc.discriminator.weights
    groups = typed.training.optimizer_configs
    opt_gen = torch.optim.AdamW(student.parameters(),
                                **groups.diffusion.optimizer.config.model_dump())
    opt_disc = torch.optim.AdamW(list(head.parameters()) + list(disc.parameters()),
                                 **groups.discriminator.optimizer.config.model_dump())
    clip = typed.training.clip_grad_norm

    def noise_t(n, kind):
        if kind == "logit_normal":
            return torch.sigmoid(torch.randn(n))
        return torch.sigmoid(-(torch.rand(n) * 8 - 6))

    def noised(x, n, t):
        return (1 - t[:, None, None]) * x + t[:, None, None] * n

    def scores(x, t, cond):
        return head(disc(x, t, cond, cfg_scale=1.0, exit_layer_ix=layer).transpose(1, 2))

    parts.train()
    times = []
    for step, (reals, metadata) in enumerate(batches):
        start = time.perf_counter()
        n = reals.shape[0]
        cond = student.conditioner(metadata, "cpu")
        t = noise_t(n, arc.noise_dist.generator)
        x_t = noised(reals, torch.randn_like(reals), t)
        t_d = noise_t(n, arc.noise_dist.discriminator)
        noise = torch.randn_like(reals)
        d_cond = disc.conditioner(metadata, "cpu")
        if step % 2 == 0:
            v = student(x_t, t, cond, cfg_dropout_prob=typed.training.cfg_dropout_prob)
            fake = scores(noised(x_t - t[:, None, None] * v, noise, t_d), t_d, d_cond)
            with torch.no_grad():
                real = scores(noised(reals, noise, t_d), t_d, d_cond)
            loss = F.softplus(real - fake).mean() * weights.generator
            opt_gen.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), clip)
            opt_gen.step()
            ema.update(student.model)
        else:
            with torch.no_grad():
                denoised = x_t - t[:, None, None] * student(x_t, t, cond)
            reals_t, fakes_t = noised(reals, noise, t_d), noised(denoised, noise, t_d)
            real, fake = scores(reals_t, t_d, d_cond), scores(fakes_t, t_d, d_cond)
            loss = F.softplus(fake - real).mean() * weights.discriminator
            if arc.discriminator.include_grad_penalties:
                r1 = (scores(reals_t + 0.05 * torch.randn_like(reals_t), t_d, d_cond) - real)
                r2 = (scores(fakes_t + 0.05 * torch.randn_like(fakes_t), t_d, d_cond) - fake)
                loss = loss + (r1.pow(2).flatten(1).sum(1).mean()
                               + r2.pow(2).flatten(1).sum(1).mean()) / 2
            if arc.discriminator.contrastive:
                rolled = scores(reals_t, t_d, disc.conditioner(rolled_metadata(metadata), "cpu"))
                loss = loss + F.softplus(rolled - real).mean() * weights.discriminator \
                    * weights.contrastive
            opt_disc.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(head.parameters()) + list(disc.parameters()),
                                           clip)
            opt_disc.step()
        times.append(time.perf_counter() - start)
        _progress("hand-written", times)
    return times


def _progress(what: str, times: list[float]) -> None:
    print(f"  {what} step {len(times) - 1}: {times[-1]:.3f} s", file=sys.stderr, flush=True)


def _summary(runs: list[list[float]]) -> tuple[float, float, float]:
    """(per step, student step, discriminator step): medians per step type (they alternate)."""
    gen = statistics.median(t for times in runs for i, t in enumerate(times)
                            if i >= WARMUP and i % 2 == 0)
    disc = statistics.median(t for times in runs for i, t in enumerate(times)
                             if i >= WARMUP and i % 2 == 1)
    return (gen + disc) / 2, gen, disc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    import torch

    import sat_config

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    typed = sat_config.load_config(EXAMPLE)
    batches = _batches(typed, args.steps + WARMUP, args.batch)
    hand_written_steps(typed, batches)  # untimed: the process's first steps are slow
    runs: dict[str, list[list[float]]] = {"wrapper": [], "hand": []}
    for r in range(args.rounds):
        for side in (("wrapper", "hand") if r % 2 == 0 else ("hand", "wrapper")):
            gc.collect()
            runs[side].append((wrapper_steps if side == "wrapper" else hand_written_steps)(
                typed, batches))
    wrapped, manual = _summary(runs["wrapper"]), _summary(runs["hand"])
    print(f"ARC step, tiny example ({typed.sample_size} samples, batch {args.batch}), CPU "
          f"x{args.threads} threads ({args.rounds} x {args.steps} steps each):")
    print(f"  wrapper      {wrapped[0] * 1000:.1f} ms/step (student {wrapped[1] * 1000:.1f} ms, "
          f"discriminator {wrapped[2] * 1000:.1f} ms)")
    print(f"  hand-written {manual[0] * 1000:.1f} ms/step (student {manual[1] * 1000:.1f} ms, "
          f"discriminator {manual[2] * 1000:.1f} ms)")
    print(f"  wrapper overhead {wrapped[0] / manual[0]:.3f}x   (target <= 1.05x)")
    print(f"  machine load average {os.getloadavg()[0]:.1f} over {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
