"""Diffusion-runtime costs on CPU, printed (not asserted: timings flake on shared machines).

1. Training step of the diffusion_cond wrapper with Stable Audio 2.0's DiT width (embed 1536,
   24 heads, cross-attention 768, global 1536) at a depth and latent length that fit a
   2-core CPU, and the wrapper's overhead over a hand-written loop of the same model, loss and
   optimiser (target <= 1.05x).
2. Build time and peak memory of the full ``stable_audio_2_0.json`` model (its CLAP prompt
   conditioner swapped for T5: a tiny T5 saved in an offline Hugging Face cache under the name
   ``t5-base``), in a fresh process.

Usage: python benchmarks/bench_diffusion.py [--steps N] [--rounds R] [--depth D] [--length L]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _lightning_timing import lightning_step_times  # benchmarks/ is on the path of a script

REPO = Path(__file__).resolve().parents[1]
SA2 = REPO / "tests" / "corpus" / "upstream" / "model_configs__txt2audio__stable_audio_2_0.json"
WARMUP = 3


def step_config(depth: int, length: int) -> dict:
    numbers = [{"id": i, "type": "number", "config": {"min_val": 0, "max_val": 512}}
               for i in ("seconds_start", "seconds_total")]
    return {
        "model_type": "diffusion_cond", "sample_rate": 44100, "sample_size": length,
        "audio_channels": 64,
        "model": {"io_channels": 64,
                  "conditioning": {"cond_dim": 768, "configs": numbers},
                  "diffusion": {"type": "dit", "diffusion_objective": "v",
                                "cross_attention_cond_ids": ["seconds_start", "seconds_total"],
                                "global_cond_ids": ["seconds_start", "seconds_total"],
                                "config": {"io_channels": 64, "embed_dim": 1536, "depth": depth,
                                           "num_heads": 24, "cond_token_dim": 768,
                                           "global_cond_dim": 1536, "project_cond_tokens": False,
                                           "transformer_type": "continuous_transformer"}}},
        "training": {"learning_rate": 1e-5, "use_ema": True,
                     "demo": {"demo_every": 10**6, "num_demos": 1,
                              "demo_cond": [{"seconds_start": 0, "seconds_total": 1}],
                              "demo_cfg_scales": [1]}},
    }


def _batches(typed, n: int):
    import torch

    torch.manual_seed(0)
    meta = {"seconds_start": 0, "seconds_total": 10, "padding_mask": torch.ones(typed.sample_size)}
    return [(torch.randn(1, typed.audio_channels, typed.sample_size), [dict(meta)])
            for _ in range(n)]


def wrapper_steps(typed, batches) -> list[float]:
    from sat_config.training import create_model_from_config, create_training_wrapper_from_config

    wrapper = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    return lightning_step_times(wrapper, batches)

def hand_written_steps(typed, batches) -> list[float]:
    """The same step without Lightning: conditioner, v-objective noising at uniform t, the
    model, MSE, Adam, EMA."""
    import math

    import torch
    import torch.nn.functional as F

    from sat_config.training import create_model_from_config, create_training_wrapper_from_config

    parts = create_training_wrapper_from_config(typed, create_model_from_config(typed))
    model, ema = parts.diffusion, parts.diffusion_ema
    optimiser = torch.optim.Adam(model.parameters(), lr=typed.training.learning_rate)
    model.train()
    times = []
    for reals, metadata in batches:
        start = time.perf_counter()
        cond = model.conditioner(metadata, reals.device)
        t = torch.rand(reals.shape[0])
        alpha, sigma = torch.cos(t * math.pi / 2)[:, None, None], torch.sin(t * math.pi / 2)[:, None, None]
        noise = torch.randn_like(reals)
        noised, target = reals * alpha + noise * sigma, noise * alpha - reals * sigma
        loss = F.mse_loss(model(noised, t, cond, cfg_dropout_prob=typed.training.cfg_dropout_prob),
                          target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if ema is not None:
            ema.update(model.model)  # the wrapper averages the backbone
        times.append(time.perf_counter() - start)
    return times


def build_sa2() -> None:
    """(child process) Build the SA 2.0 model; print seconds and peak RSS."""
    sys.path.insert(0, str(REPO / "tests"))
    from offline_hf import TINY_T5, offline_hf_cache

    config = json.loads(SA2.read_text())
    for spec in config["model"]["conditioning"]["configs"]:
        if spec["type"] == "clap_text":
            spec.update(type="t5", config={"t5_model_name": "t5-base", "max_length": 128})
    with tempfile.TemporaryDirectory() as home, offline_hf_cache(Path(home), {"t5-base": TINY_T5}):
        import sat_config
        from sat_config.training import create_model_from_config

        typed = sat_config.load_config(config)
        start = time.perf_counter()
        model = create_model_from_config(typed)
        seconds = time.perf_counter() - start
        n = sum(p.numel() for k, p in model.named_parameters() if k.startswith("model."))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "backbone_params": n}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--length", type=int, default=256, help="latent frames")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--build-sa2", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_sa2:
        return build_sa2()
    warnings.simplefilter("ignore")
    import logging

    import torch

    import sat_config

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    typed = sat_config.load_config(step_config(args.depth, args.length))
    batches = _batches(typed, args.steps + WARMUP)
    hand_written_steps(typed, batches[:WARMUP])  # process warm-up (allocator, kernels)
    runs: dict[str, list[float]] = {"wrapper": [], "hand": []}
    for r in range(args.rounds):
        for side in (("wrapper", "hand") if r % 2 == 0 else ("hand", "wrapper")):
            gc.collect()
            steps = (wrapper_steps if side == "wrapper" else hand_written_steps)(typed, batches)
            runs[side] += steps[WARMUP:]
    wrapped, manual = statistics.median(runs["wrapper"]), statistics.median(runs["hand"])
    print(f"diffusion_cond step, SA 2.0 DiT width (1536, 24 heads), depth {args.depth}, "
          f"{args.length} latent frames, batch 1, EMA, CPU x{args.threads}:")
    print(f"  wrapper {wrapped:.3f} s/step, hand-written {manual:.3f} s/step, "
          f"overhead {wrapped / manual:.3f}x   (target <= 1.05x)")
    out = subprocess.run([sys.executable, __file__, "--build-sa2"], capture_output=True,
                         text=True, check=True)
    built = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"build stable_audio_2_0.json (T5 prompt, tiny offline T5): {built['seconds']:.1f} s, "
          f"peak RSS {built['peak_mib']:.0f} MiB, backbone {built['backbone_params']:,} params")
    print(f"  machine load average {os.getloadavg()[0]:.1f} over {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
