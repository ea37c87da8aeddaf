"""``--logger comet``: Lightning's CometLogger, online when comet_ml finds an API key (as upstream
trains), otherwise comet's offline mode, writing an archive for ``comet upload`` into
``<output dir>/comet``.

Two things Lightning's logger does not do for us (pytorch-lightning 2.6): ``online=False``
also *disables* the experiment, so nothing is recorded (Lightning-AI/pytorch-lightning#21617);
and ``finalize`` only flushes, while an offline experiment writes its archive when it ends.

Offline means no network: comet_ml's environment details (which probe the cloud metadata
address 169.254.169.254 and resolve comet's host for the local IP, besides listing packages and
sampling system metrics) are off then, and comet_ml's own crash reporting to its Sentry is off
unless ``COMET_ERROR_TRACKING_ENABLE`` says otherwise (it is decided when comet_ml is imported,
before we know whether there is a key).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from lightning_utilities.core.imports import RequirementCache
from pytorch_lightning.loggers import CometLogger
from pytorch_lightning.utilities.rank_zero import rank_zero_only

from .errors import InputError

OFFLINE_DIR = "comet"
"""The offline archive's directory, in the run's output directory."""

_log = logging.getLogger(__name__)
_NEW_COMET_LOGGER = RequirementCache("pytorch-lightning>=2.5")  # the API used below


class EndingCometLogger(CometLogger):
    """CometLogger whose ``online=False`` records offline, and which ends its experiment when
    training ends (the offline archive is written then; an online one finishes its upload)."""

    def __init__(self, *, online: bool, **kwargs):
        self._start_online = online
        super().__init__(online=None, **kwargs)  # None: Lightning turns False into disabled=True

    def _create_experiment(self) -> None:
        self._online = self._start_online  # what comet_ml.start is given
        super()._create_experiment()

    @rank_zero_only
    def finalize(self, status: str) -> None:
        if self._experiment is not None and not self._experiment.ended:
            self._experiment.end()


def has_api_key() -> bool:
    """Whether comet_ml finds an API key (``COMET_API_KEY`` or its config file)."""
    # read when comet_ml is first imported
    os.environ["COMET_DISABLE_AUTO_LOGGING"] = "1"  # as Lightning's CometLogger sets it
    os.environ.setdefault("COMET_ERROR_TRACKING_ENABLE", "0")
    from comet_ml.config import get_api_key, get_config

    return get_api_key(None, get_config()) is not None


def comet_logger(output_dir: Path, project: str, run_name: str) -> CometLogger:
    if not _NEW_COMET_LOGGER:
        raise InputError(f"--logger comet needs {_NEW_COMET_LOGGER.requirement} (its CometLogger "
                         "starts experiments with comet_ml.start): pip install -U "
                         "pytorch-lightning")
    online = has_api_key()
    directory = output_dir / OFFLINE_DIR
    settings = {}  # comet's defaults, as upstream
    if not online:
        _say_offline(directory)
        settings["log_env_details"] = False  # its probes reach the network
    return EndingCometLogger(project=project, name=run_name, online=online,
                             offline_directory=str(directory), **settings)


@rank_zero_only
def _say_offline(directory: Path) -> None:
    _log.warning("comet: no API key (COMET_API_KEY or `comet login`), logging offline; the "
                 "run's archive goes into %s when training ends: upload it with "
                 "`comet upload %s/*.zip`", directory, directory)
