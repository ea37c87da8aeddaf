"""Optimizer and scheduler arguments that torch refuses when ``configure_optimizers`` runs
(found by the "valid means it trains" property test); shared by every kind."""

from __future__ import annotations

from typing import Any

from ...errors import Issue, err

# torch.optim classes whose defaults hold neither ``momentum`` nor ``betas``: CyclicLR with
# cycle_momentum (its default) raises ValueError on them
_NO_MOMENTUM = {"Adagrad", "Adadelta", "ASGD", "Rprop", "Adafactor"}


def check_optimizers(out: list[Issue], training: Any) -> None:
    groups = training.get("optimizer_configs") if isinstance(training, dict) else None
    if not isinstance(groups, dict):
        return
    for name, group in groups.items():
        if not isinstance(group, dict) or not isinstance(group.get("optimizer"), dict):
            continue
        path = f"$.training.optimizer_configs.{name}"
        optimizer, scheduler = group["optimizer"], group.get("scheduler")
        config = optimizer.get("config") if isinstance(optimizer.get("config"), dict) else {}
        d = config.get("d")
        if optimizer.get("type") == "Adafactor" and isinstance(d, (int, float)) and d < 1:
            out.append(err(f"{path}.optimizer.config.d", f"Adafactor's clipping threshold d is "
                           f"{d}: torch refuses values below 1 (ValueError when training starts)",
                           "optimizer-args", "use d >= 1 (torch's default is 1.0)"))
        if isinstance(scheduler, dict) and scheduler.get("type") == "CyclicLR":
            sconfig = scheduler.get("config") if isinstance(scheduler.get("config"), dict) else {}
            if sconfig.get("cycle_momentum", True) and optimizer.get("type") in _NO_MOMENTUM:
                out.append(err(f"{path}.scheduler.config.cycle_momentum",
                               f"CyclicLR cycles the momentum by default, but {optimizer['type']} "
                               "has neither momentum nor betas: torch raises ValueError when "
                               "training starts", "optimizer-args",
                               "set cycle_momentum: false, or use an optimizer with momentum "
                               "or betas (SGD, RMSprop, Adam...)"))
