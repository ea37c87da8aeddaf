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
        _check_flags(out, optimizer.get("type"), config, f"{path}.optimizer.config")
        eps = config.get("eps")
        if optimizer.get("type") == "Adafactor" and isinstance(eps, list) and len(eps) == 2 \
                and eps[1] is None:
            out.append(err(f"{path}.optimizer.config.eps[1]", "Adafactor's second epsilon "
                           "(the relative step's) cannot be null: torch compares it with a "
                           "number (TypeError when training starts); only the first may be null",
                           "optimizer-args", "use a number, e.g. 0.001 (torch's default)"))
        if isinstance(scheduler, dict):
            _check_scheduler(out, scheduler, f"{path}.scheduler")
        if isinstance(scheduler, dict) and scheduler.get("type") == "CyclicLR":
            sconfig = scheduler.get("config") if isinstance(scheduler.get("config"), dict) else {}
            if sconfig.get("cycle_momentum", True) and optimizer.get("type") in _NO_MOMENTUM:
                out.append(err(f"{path}.scheduler.config.cycle_momentum",
                               f"CyclicLR cycles the momentum by default, but {optimizer['type']} "
                               "has neither momentum nor betas: torch raises ValueError when "
                               "training starts", "optimizer-args",
                               "set cycle_momentum: false, or use an optimizer with momentum "
                               "or betas (SGD, RMSprop, Adam...)"))


def _check_scheduler(out: list[Issue], scheduler: dict, path: str) -> None:
    config = scheduler.get("config") if isinstance(scheduler.get("config"), dict) else {}
    last_epoch = config.get("last_epoch", -1)
    if isinstance(last_epoch, int) and last_epoch != -1:
        out.append(err(f"{path}.config.last_epoch", f"last_epoch {last_epoch} asks torch to "
                       "resume a schedule, which needs each parameter group's 'initial_lr' from "
                       "a saved optimizer: a new run has none (KeyError when training starts)",
                       "optimizer-args", "leave last_epoch out (-1); resuming a run restores "
                       "the scheduler's position from the checkpoint"))
    if scheduler.get("type") == "OneCycleLR" and config.get("total_steps") is None and (
            config.get("epochs") is None or config.get("steps_per_epoch") is None):
        out.append(err(f"{path}.config", "OneCycleLR needs the cycle's length: total_steps, or "
                       "epochs and steps_per_epoch (ValueError when training starts)",
                       "optimizer-args", "add total_steps, e.g. the run's --max-steps"))


def _check_flags(out: list[Issue], kind: Any, config: dict, path: str) -> None:
    """Implementation switches torch's constructors refuse together, and SGD's Nesterov."""
    if config.get("differentiable"):
        out.append(err(f"{path}.differentiable", "a differentiable optimizer lets autograd run "
                       "through the step itself (meta-learning): the step then updates the "
                       "model's parameters in place with autograd on, which torch refuses "
                       "(\"a leaf Variable that requires grad is being used in an in-place "
                       "operation\" on the first step)", "optimizer-args",
                       "drop differentiable (false is torch's default)"))
    if config.get("fused") and config.get("foreach"):
        out.append(err(f"{path}.foreach", f"fused and foreach cannot both be true: torch's "
                       f"{kind} refuses it (RuntimeError when training starts)",
                       "optimizer-args", "drop fused or foreach"))
    etas = config.get("etas")
    if kind == "Rprop" and isinstance(etas, list) and len(etas) == 2 \
            and all(isinstance(e, (int, float)) for e in etas) and not 0 < etas[0] < 1 < etas[1]:
        out.append(err(f"{path}.etas", f"Rprop's etas {etas} must be a decrease factor below 1 "
                       "and an increase factor above 1 (torch raises ValueError when training "
                       "starts)", "optimizer-args", "use e.g. [0.5, 1.2] (torch's default)"))
    if kind == "SGD" and config.get("nesterov"):
        momentum, dampening = config.get("momentum", 0), config.get("dampening", 0)
        if not (isinstance(momentum, (int, float)) and momentum > 0 and dampening == 0):
            out.append(err(f"{path}.nesterov", "Nesterov momentum needs momentum above 0 and "
                           f"dampening 0 (here momentum {momentum}, dampening {dampening}): torch "
                           "raises ValueError when training starts", "optimizer-args",
                           "set momentum (e.g. 0.9) and leave dampening at 0, or drop nesterov"))
