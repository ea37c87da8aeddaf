"""sat-config: schema-first configs for stable-audio-tools.

``load_config`` -> typed config (or ``ConfigError`` with every issue); ``validate`` -> issues.
Importing this package never imports torch; training lives in ``sat_config.training``.
"""

from . import deprecated
from .errors import ConfigError, Issue, UnknownModelTypeError
from .api import ConfigWarning, dump, load_config, load_dataset_config, validate

__version__ = "0.1.0"

deprecated.install()

__all__ = [
    "ConfigError",
    "ConfigWarning",
    "Issue",
    "UnknownModelTypeError",
    "dump",
    "load_config",
    "load_dataset_config",
    "validate",
    "__version__",
]
