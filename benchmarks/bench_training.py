"""Training-runtime costs on CPU, printed (not asserted: timings flake on shared machines).

1. Factory cost, Stable Audio 2.0 VAE with use_ema: wrapper build time / model build time.
   Upstream builds the model twice more for its EMA copy (2.35x); target <= 0.3x.
2. Training step time, SA 2.0 VAE architecture, sample_size 16384, batch 1, default losses
   (``loss_configs`` absent): upstream's wrapper needs ~4.6 s median per step on 2 cores.
3. Wrapper overhead: the wrapper's step (inside a Lightning Trainer) / a hand-written loop over
   the same model, losses and optimisers; target <= 1.05x.

Usage: python benchmarks/bench_training.py [--steps N] [--rounds R] [--threads T]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

from _lightning_timing import lightning_step_times  # benchmarks/ is on the path of a script

REPO = Path(__file__).resolve().parents[1]
SA2_VAE = REPO / "tests" / "corpus" / "upstream" / "model_configs__autoencoders__stable_audio_2_0_vae.json"


WARMUP = 4  # untimed steps per run: a fresh model's first steps are slow (allocations)


def sa2_config(use_ema: bool, default_losses: bool) -> dict:
    config = json.loads(SA2_VAE.read_text())
    config["training"]["use_ema"] = use_ema
    if default_losses:  # the wrapper's built-in losses and AdamW at learning_rate
        del config["training"]["loss_configs"], config["training"]["optimizer_configs"]
    config["sample_size"] = 16384
    return config


def factory_cost() -> tuple[float, float]:
    import sat_config
    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    typed = sat_config.load_config(sa2_config(use_ema=True, default_losses=False))
    start = time.perf_counter()
    model = create_model_from_config(typed)
    t_model = time.perf_counter() - start
    start = time.perf_counter()
    create_training_wrapper_from_config(typed, model)
    return t_model, time.perf_counter() - start


def _batches(typed, steps: int):
    from sat_config.training.data.synthetic import SyntheticAudio

    data = SyntheticAudio(typed.sample_rate, typed.sample_size, typed.audio_channels, seed=0)
    return [data[i][0][None] for i in range(steps)]


def wrapper_steps(typed, batches) -> list[float]:
    """Seconds per training step of the wrapper inside a Lightning Trainer."""
    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    wrapper = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    return lightning_step_times(wrapper, [(b, [{}]) for b in batches],
                                lambda t: _progress("wrapper", t))

def hand_written_steps(typed, batches) -> list[float]:
    """The same computation without Lightning: model, loss terms, discriminator, AdamW, EMA."""
    import torch

    from sat_config.training import (create_model_from_config,
                                     create_training_wrapper_from_config)

    parts = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    model, disc, losses, ema = (parts.autoencoder, parts.discriminator, parts.gen_losses,
                                parts.autoencoder_ema)
    lr = typed.training.learning_rate
    opt_gen = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.8, 0.99))
    opt_disc = torch.optim.AdamW(disc.parameters(), lr=lr, betas=(0.8, 0.99))
    model.train()
    times = []
    for step, reals in enumerate(batches):
        start = time.perf_counter()
        if step % 2 == 1:
            with torch.no_grad():
                latents, _ = model.encode(reals, return_info=True)
                fakes = model.decode(latents)
            loss = disc.discriminator_loss(reals, fakes)
            opt_disc.zero_grad()
            loss.backward()
            opt_disc.step()
        else:
            disc.requires_grad_(False)
            latents, info = model.encode(reals, return_info=True)
            decoded = model.decode(latents)
            info.update(latents=latents, reals=reals, decoded=decoded,
                        reals_left=reals[:, :1], reals_right=reals[:, 1:],
                        decoded_left=decoded[:, :1], decoded_right=decoded[:, 1:])
            info["loss_adv"], info["feature_matching_distance"] = \
                disc.generator_losses(reals, decoded)
            loss, _ = losses(info)
            opt_gen.zero_grad()
            loss.backward()
            disc.requires_grad_(True)
            opt_gen.step()
            if ema is not None:
                ema.update(model)
        times.append(time.perf_counter() - start)
        _progress("hand-written", times)
    return times


def _progress(what: str, times: list[float]) -> None:
    print(f"  {what} step {len(times) - 1}: {times[-1]:.2f} s", file=sys.stderr, flush=True)


def _summary(runs: list[list[float]], warmup: int) -> tuple[float, float, float]:
    """(seconds per step, autoencoder step, discriminator step) over several runs: medians per
    step type, since the two alternate and differ ~2x (a median over the mix jumps between
    them); per step = their mean."""
    gen = statistics.median(t for times in runs for i, t in enumerate(times)
                            if i >= warmup and i % 2 == 0)
    disc = statistics.median(t for times in runs for i, t in enumerate(times)
                             if i >= warmup and i % 2 == 1)
    return (gen + disc) / 2, gen, disc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per run (after the warm-up)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each side, in alternating order")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    import torch

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    t_model, t_wrapper = factory_cost()
    print(f"factory, SA 2.0 VAE + use_ema: model {t_model:.2f} s, wrapper {t_wrapper:.2f} s, "
          f"wrapper/model {t_wrapper / t_model:.2f}x   (upstream 2.35x, target <= 0.3x)")

    import sat_config

    typed = sat_config.load_config(sa2_config(use_ema=True, default_losses=True))
    batches = _batches(typed, args.steps + WARMUP)
    # torch's CPU kernels keep speeding up over the first dozen steps of a process (allocator,
    # oneDNN primitive caches): one untimed run first, then alternate the order round by round,
    # so a drifting machine favours neither side
    hand_written_steps(typed, batches)
    runs: dict[str, list[list[float]]] = {"wrapper": [], "hand": []}
    for r in range(args.rounds):
        for side in (("wrapper", "hand") if r % 2 == 0 else ("hand", "wrapper")):
            steps = wrapper_steps if side == "wrapper" else hand_written_steps
            gc.collect()  # the previous run's model, optimisers and trainer
            runs[side].append(steps(typed, batches))
    wrapped, manual = _summary(runs["wrapper"], WARMUP), _summary(runs["hand"], WARMUP)
    print(f"training step, SA 2.0 VAE, 16384 samples, batch 1, CPU x{args.threads} threads, "
          f"default losses, EMA ({args.rounds} x {args.steps} steps each):")
    print(f"  wrapper      {wrapped[0]:.2f} s/step (autoencoder steps {wrapped[1]:.2f} s, "
          f"discriminator steps {wrapped[2]:.2f} s)   (upstream ~4.6 s on 2 cores)")
    print(f"  hand-written {manual[0]:.2f} s/step (autoencoder steps {manual[1]:.2f} s, "
          f"discriminator steps {manual[2]:.2f} s)")
    print(f"  wrapper overhead {wrapped[0] / manual[0]:.3f}x (autoencoder steps "
          f"{wrapped[1] / manual[1]:.3f}x)   (target <= 1.05x)")
    print(f"  machine load average {os.getloadavg()[0]:.1f} over {os.cpu_count()} cores "
          "(figures are only comparable on an otherwise idle machine)")


if __name__ == "__main__":
    main()
