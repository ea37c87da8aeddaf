"""Old import paths of modules that moved in the six-kind layout, kept as thin aliases.

``import sat_config.bundle`` (and ``python -m sat_config.bundle``) still work: the old name is
the new module itself, after a ``DeprecationWarning`` naming where it lives now. Installed by
``sat_config/__init__``; nothing here imports the new module before the old name is asked for.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings

MOVED = {
    "sat_config.bundle": "sat_config.schema.bundle",
    "sat_config.docs": "sat_config.schema.docs",
    "sat_config.explain": "sat_config.schema.explain",
    "sat_config.schemas": "sat_config.schema.files",
    "sat_config.training.bottlenecks": "sat_config.training.components.bottlenecks",
    "sat_config.training.models": "sat_config.training.components",
    "sat_config.training.models.autoencoder": "sat_config.training.components.autoencoder",
    "sat_config.training.models.oobleck": "sat_config.training.components.oobleck",
    "sat_config.training.losses": "sat_config.kinds.autoencoder.losses",
    "sat_config.training.discriminators": "sat_config.kinds.autoencoder.discriminators",
    "sat_config.training.mel": "sat_config.kinds.autoencoder.mel",
    "sat_config.training.wrappers.autoencoder": "sat_config.kinds.autoencoder.wrapper",
    "sat_config.training.demos.autoencoder": "sat_config.kinds.autoencoder.demo",
}
"""old module name -> new module name"""

_PARENTS = {old.rpartition(".")[0] for old in MOVED} - set(MOVED) - {"sat_config",
                                                                    "sat_config.training"}
"""Old packages that only held moved modules (``sat_config.training.wrappers``): empty now."""


class _Alias:
    """Finder and loader (the protocols of ``importlib.abc``, which costs 30 ms to import)."""

    def find_spec(self, name, path=None, target=None):
        if name not in MOVED and name not in _PARENTS:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=name in _PARENTS or any(
            old.startswith(name + ".") for old in MOVED))

    def create_module(self, spec):
        if spec.name in _PARENTS:
            return None  # an empty package, so that its moved children can be found
        warnings.warn(f"{spec.name} moved to {MOVED[spec.name]}; the old name will be removed",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module) -> None:
        """The module is the new one, already executed."""

    def get_code(self, name):  # ``python -m OLD`` runs the new module as __main__
        warnings.warn(f"{name} moved to {MOVED[name]}; the old name will be removed",
                      DeprecationWarning, stacklevel=2)
        return compile(f"import runpy\nrunpy.run_module({MOVED[name]!r}, run_name='__main__', "
                       "alter_sys=True)\n", f"<alias of {MOVED[name]}>", "exec")


def install() -> None:
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())  # before the path finder: an old folder may linger
