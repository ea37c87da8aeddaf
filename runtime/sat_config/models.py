"""Typed configs: the one hand-written module that imports ``sat_config_generated``.

Everything else imports from here, so regenerating the models never ripples through the runtime.
The classes are pydantic v2 models generated from ``schemas/`` by ``make generate``.
"""

from __future__ import annotations

from functools import cache

from pydantic import TypeAdapter
from sat_config_generated import autoencoder_parts_schema as autoencoder_parts
from sat_config_generated import common_schema as common
from sat_config_generated import diffusion_parts_schema as diffusion_parts
from sat_config_generated.autoencoder_schema import AutoencoderConfig
from sat_config_generated.config_schema import TrainingConfig
from sat_config_generated.dataset_schema import DatasetConfig
from sat_config_generated.diffusion_autoencoder_schema import DiffusionAutoencoderConfig
from sat_config_generated.diffusion_cond_inpaint_schema import DiffusionCondInpaintConfig
from sat_config_generated.diffusion_cond_schema import DiffusionCondConfig
from sat_config_generated.diffusion_uncond_schema import DiffusionUncondConfig
from sat_config_generated.lm_schema import LMConfig

ModelConfig = (AutoencoderConfig | DiffusionUncondConfig | DiffusionCondConfig
               | DiffusionCondInpaintConfig | DiffusionAutoencoderConfig | LMConfig)

MODEL_CONFIGS: dict[str, type] = {
    "autoencoder": AutoencoderConfig,
    "diffusion_uncond": DiffusionUncondConfig,
    "diffusion_cond": DiffusionCondConfig,
    "diffusion_cond_inpaint": DiffusionCondInpaintConfig,
    "diffusion_autoencoder": DiffusionAutoencoderConfig,
    "lm": LMConfig,
}
"""model_type -> typed config class (a test proves it equals the schema's and the union's)."""


@cache
def training_config_adapter() -> TypeAdapter:
    """Validator for the discriminated union of all model types (built once)."""
    return TypeAdapter(TrainingConfig)


@cache
def dataset_config_adapter() -> TypeAdapter:
    return TypeAdapter(DatasetConfig)


__all__ = [
    "AutoencoderConfig", "DatasetConfig", "DiffusionAutoencoderConfig", "DiffusionCondConfig",
    "DiffusionCondInpaintConfig", "DiffusionUncondConfig", "LMConfig", "MODEL_CONFIGS",
    "ModelConfig", "TrainingConfig", "autoencoder_parts", "common", "dataset_config_adapter",
    "diffusion_parts", "training_config_adapter",
]
