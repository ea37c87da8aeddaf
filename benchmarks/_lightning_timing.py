"""Per-step wall time of a training wrapper inside a Lightning Trainer (shared by the
benchmarks that compare a wrapper with a hand-written loop)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def lightning_step_times(wrapper: Any, batches: Sequence[Any],
                         on_step: Callable[[list[float]], None] | None = None) -> list[float]:
    """Seconds per training step of ``wrapper`` fed ``batches`` (each already a batch) through
    a DataLoader (Lightning reads a plain list as several loaders), on the CPU, no logging."""
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    times: list[float] = []

    class Timer(pl.Callback):
        def on_train_batch_start(self, *args):
            self.start = time.perf_counter()

        def on_train_batch_end(self, *args):
            times.append(time.perf_counter() - self.start)
            if on_step is not None:
                on_step(times)

    trainer = pl.Trainer(accelerator="cpu", devices=1, max_steps=len(batches), logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[Timer()])
    trainer.fit(wrapper, DataLoader(list(batches), batch_size=None, collate_fn=lambda x: x))
    return times
