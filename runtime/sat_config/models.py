"""Typed configs: the one hand-written module that imports ``sat_config_generated``.

Everything else imports from here, so regenerating the models never ripples through the runtime.
The classes are pydantic v2 models generated from ``schemas/`` by ``make generate``.

The typed models never accept what the schema rejects:

* every generated scalar is strict (``strict-types`` in ``[tool.datamodel-codegen]``): no class
  turns ``"100"`` into 100, ``1`` into True or ``"1e-4"`` into 0.0001;
* the top-level configs exported here (the six model types, the ``TrainingConfig`` union and
  ``DatasetConfig``) run the JSON Schema itself before building: rules that type hints cannot
  state (``if``/``then``, ``not``, ``oneOf``...) hold for them too, and a rejected config raises
  a ``ValidationError`` with one located error per schema issue (``ctx`` holds its ``rule``,
  ``path`` and ``suggestion``). They then build from the data as JSON Schema reads it: an
  integral float (``2.0``) is the integer it equals.

:func:`sat_config.load_config` has already run the schema (and the semantic checks) on the same
normalised data; it passes the validation context ``{SCHEMA_CHECKED: True}`` and the models skip
their own check. Nested classes (``autoencoder_parts``, ``common``, ``diffusion_parts``) are
strict but do not run the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, \
    ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from sat_config_generated import autoencoder_parts_schema as autoencoder_parts
from sat_config_generated import autoencoder_schema as _autoencoder
from sat_config_generated import common_schema as common
from sat_config_generated import dataset_schema as _dataset
from sat_config_generated import diffusion_autoencoder_schema as _diffusion_autoencoder
from sat_config_generated import diffusion_cond_inpaint_schema as _diffusion_cond_inpaint
from sat_config_generated import diffusion_cond_schema as _diffusion_cond
from sat_config_generated import diffusion_parts_schema as diffusion_parts
from sat_config_generated import diffusion_uncond_schema as _diffusion_uncond
from sat_config_generated import lm_schema as _lm
from sat_config_generated.config_schema import TrainingConfig as _GeneratedTrainingConfig
from typing_extensions import TypeAliasType

if TYPE_CHECKING:
    from .errors import Issue

SCHEMA_CHECKED = "sat_config.schema_checked"
"""Validation-context key: ``True`` tells the top-level configs that the data has passed the
schema already (``load_config``), so they skip it."""


def schema_checked(data: Any, kind: str, title: str) -> Any:
    """``data`` as JSON Schema reads it (integral floats as ints) when the schema ``kind``
    accepts it; otherwise a ``ValidationError`` titled ``title`` listing every schema issue.

    Non-JSON values (NaN, tuples, objects, non-string keys) are issues too: the schema cannot
    judge them, so the typed models do not take them.
    """
    from .errors import ConfigError
    from .parsing.document import parse
    from .schema.engine import is_valid, schema_issues

    try:
        doc = parse(data)  # checked to hold JSON values only; 2.0 read as 2
    except ConfigError as exc:
        raise _validation_error(title, exc.issues, data) from None
    if not is_valid(doc.data, kind):
        raise _validation_error(title, schema_issues(doc, kind), doc.data)
    return doc.data


def _validation_error(title: str, issues: list[Issue], data: Any) -> ValidationError:
    from .errors import path_tuple

    lines = []
    for issue in issues:
        if issue.severity != "error":
            continue
        loc = path_tuple(issue.path)
        ctx = {"message": issue.message, "rule": issue.rule, "path": issue.path,
               "suggestion": issue.suggestion}
        lines.append(InitErrorDetails(type=PydanticCustomError("json_schema", "{message}", ctx),
                                      loc=loc, input=_value_at(data, loc)))
    if not lines:  # the engines agree (tested), so this only guards against an empty error
        lines.append(InitErrorDetails(type=PydanticCustomError(
            "json_schema", "the schema rejects this config"), loc=(), input=data))
    return ValidationError.from_exception_data(title, lines)


def _value_at(data: Any, loc: tuple) -> Any:
    """The value at ``loc``; for a missing key, the object that lacks it (as pydantic reports)."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
    return data


def _schema_first(data: Any, info: ValidationInfo, kind: str, title: str) -> Any:
    """What a top-level config builds from: ``data`` checked by schema ``kind``, unless the
    validation context says that has been done. Not a mapping: pydantic rejects it, as the
    schema (``type: object``) does."""
    context = info.context
    if not isinstance(data, Mapping) or (isinstance(context, Mapping)
                                         and context.get(SCHEMA_CHECKED) is True):
        return data
    return schema_checked(data, kind, title)


class _SchemaChecked(BaseModel):
    """Base of the top-level model configs: runs the schema of ``__schema_name__`` first."""

    __schema_name__: ClassVar[str]

    @model_validator(mode="before")
    @classmethod
    def _json_schema_first(cls, data: Any, info: ValidationInfo) -> Any:
        return _schema_first(data, info, cls.__schema_name__, cls.__name__)


class AutoencoderConfig(_SchemaChecked, _autoencoder.AutoencoderConfig):
    __doc__ = _autoencoder.AutoencoderConfig.__doc__
    __schema_name__ = "autoencoder"


class DiffusionUncondConfig(_SchemaChecked, _diffusion_uncond.DiffusionUncondConfig):
    __doc__ = _diffusion_uncond.DiffusionUncondConfig.__doc__
    __schema_name__ = "diffusion_uncond"


class DiffusionCondConfig(_SchemaChecked, _diffusion_cond.DiffusionCondConfig):
    __doc__ = _diffusion_cond.DiffusionCondConfig.__doc__
    __schema_name__ = "diffusion_cond"


class DiffusionCondInpaintConfig(_SchemaChecked,
                                 _diffusion_cond_inpaint.DiffusionCondInpaintConfig):
    __doc__ = _diffusion_cond_inpaint.DiffusionCondInpaintConfig.__doc__
    __schema_name__ = "diffusion_cond_inpaint"


class DiffusionAutoencoderConfig(_SchemaChecked,
                                 _diffusion_autoencoder.DiffusionAutoencoderConfig):
    __doc__ = _diffusion_autoencoder.DiffusionAutoencoderConfig.__doc__
    __schema_name__ = "diffusion_autoencoder"


class LMConfig(_SchemaChecked, _lm.LMConfig):
    __doc__ = _lm.LMConfig.__doc__
    __schema_name__ = "lm"


ModelConfig = (AutoencoderConfig | DiffusionUncondConfig | DiffusionCondConfig
               | DiffusionCondInpaintConfig | DiffusionAutoencoderConfig | LMConfig)

MODEL_CONFIGS: dict[str, type[BaseModel]] = {cls.__schema_name__: cls for cls in ModelConfig.__args__}
"""model_type -> typed config class (a test proves it equals the schema's and the union's)."""

_union_field = _GeneratedTrainingConfig.__value__.__metadata__[0]
TrainingConfig = TypeAliasType(
    "TrainingConfig",
    Annotated[ModelConfig, Field(description=_union_field.description,
                                 discriminator="model_type", title=_union_field.title)],
)
"""The discriminated union of the schema-checked model configs (``model_type`` selects one)."""
del _union_field


DatasetConfig = TypeAliasType("DatasetConfig", Annotated[_dataset.DatasetConfig, BeforeValidator(
    lambda data, info: _schema_first(data, info, "dataset", "DatasetConfig"))])
"""A dataset config (``--dataset-config``), schema-checked like the model configs."""


@cache
def training_config_adapter() -> TypeAdapter:
    """Validator for the discriminated union of all model types (built once)."""
    return TypeAdapter(TrainingConfig)


@cache
def dataset_config_adapter() -> TypeAdapter:
    return TypeAdapter(DatasetConfig)


__all__ = [
    "SCHEMA_CHECKED", "AutoencoderConfig", "DatasetConfig", "DiffusionAutoencoderConfig",
    "DiffusionCondConfig", "DiffusionCondInpaintConfig", "DiffusionUncondConfig", "LMConfig",
    "MODEL_CONFIGS", "ModelConfig", "TrainingConfig", "autoencoder_parts", "common",
    "dataset_config_adapter", "diffusion_parts", "schema_checked", "training_config_adapter",
]
