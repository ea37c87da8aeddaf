"""Data-loader throughput (items/s) on CPU, printed (not asserted: timings flake on shared
machines): ``audio_dir`` (wav files), ``pre_encoded`` (latents written by ``sat-config
pre-encode``) and ``wds`` (local tar shards of flac + json), at the tiny diffusion_cond
example's sample size (16 kHz mono, 4096 samples), with 0 and 2 DataLoader workers.

Each figure is the best of ``--rounds`` full epochs over ``--items`` items (batch 8), after one
untimed epoch (worker start-up, file-system caches).

Usage: python benchmarks/bench_data.py [--items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "diffusion_cond-tiny.json"
BATCH = 8


def write_audio(root: Path, items: int) -> None:
    import numpy as np
    import soundfile as sf

    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(items):  # 1 s clips: every item is decoded and cropped to 4096 samples
        sf.write(root / f"clip{i:04d}.wav", 0.3 * rng.standard_normal(16000), 16000)


def write_shards(audio: Path, root: Path, per_shard: int = 16) -> None:
    import io

    import soundfile as sf
    import webdataset

    root.mkdir(parents=True)
    files = sorted(audio.glob("*.wav"))
    for s in range(0, len(files), per_shard):
        with webdataset.TarWriter(str(root / f"shard-{s // per_shard:04d}.tar")) as sink:
            for path in files[s: s + per_shard]:
                data, rate = sf.read(path)
                buffer = io.BytesIO()
                sf.write(buffer, data, rate, format="FLAC")
                sink.write({"__key__": path.stem, "flac": buffer.getvalue(),
                            "json": json.dumps({"prompt": path.stem}).encode()})


def throughput(config, dataset_config, workers: int, rounds: int) -> float:
    from sat_config.training.data.loaders import create_dataloader

    loader = create_dataloader(config, dataset_config, batch_size=BATCH, num_workers=workers,
                               shuffle=True)
    best = 0.0
    for round_ in range(rounds + 1):
        start, count = time.perf_counter(), 0
        for audio, _ in loader:
            count += audio.shape[0]
        if round_:  # the first epoch warms up
            best = max(best, count / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    import sat_config
    from sat_config.training.pre_encode import pre_encode

    torch.set_num_threads(1)
    model_config = json.loads(TINY.read_text())
    audio_config = sat_config.load_config(model_config)
    model_config["training"]["pre_encoded"] = True
    latent_config = sat_config.load_config(model_config)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_audio(tmp / "audio", args.items)
        write_shards(tmp / "audio", tmp / "shards")
        audio_dir = sat_config.load_dataset_config(
            {"dataset_type": "audio_dir", "datasets": [{"id": "a", "path": str(tmp / "audio")}]})
        pre_encode(audio_config, audio_dir, tmp / "latents", batch_size=BATCH, progress=False)
        datasets = {
            "audio_dir": (audio_config, audio_dir),
            "pre_encoded": (latent_config, sat_config.load_dataset_config(
                {"dataset_type": "pre_encoded",
                 "datasets": [{"id": "l", "path": str(tmp / "latents")}]})),
            "wds": (audio_config, sat_config.load_dataset_config(
                {"dataset_type": "wds", "resampled_shards": False,
                 "datasets": [{"id": "w", "path": str(tmp / "shards")}]})),
        }
        print(f"data-loader throughput, items/s ({args.items} items, batch {BATCH}, "
              f"{audio_config.sample_size} samples at {audio_config.sample_rate} Hz, "
              "best epoch of " f"{args.rounds})")
        for name, (config, dataset_config) in datasets.items():
            figures = [throughput(config, dataset_config, workers, args.rounds)
                       for workers in (0, 2)]
            print(f"  {name:<12} 0 workers: {figures[0]:8.0f}   2 workers: {figures[1]:8.0f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
