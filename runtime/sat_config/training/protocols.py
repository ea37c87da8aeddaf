"""What every training wrapper and demo callback provides (checked by a typing test)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class TrainingWrapper(Protocol):
    """A LightningModule built from a typed config by a registry builder."""

    config: Any

    def configure_optimizers(self) -> Any: ...

    def training_step(self, batch: Any, batch_idx: int) -> Any: ...

    def export_model(self, path: Any) -> None: ...


@runtime_checkable
class DemoCallback(Protocol):
    """A Lightning callback that writes demos every ``demo_every`` steps."""

    demo_every: int

    def on_train_batch_end(self, trainer: Any, module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None: ...
