/* Generated from schemas/ by `make generate` (json-schema-to-typescript): do not edit.
 * Cross-field rules (if/then, not) are not expressible as types: validate with the schema too. */

/**
 * A stable-audio-tools model + training configuration. `model_type` selects the schema: autoencoder, diffusion_uncond, diffusion_cond, diffusion_cond_inpaint, diffusion_autoencoder or lm.
 */
export type TrainingConfig =
  | AutoencoderConfig
  | DiffusionUncondConfig
  | DiffusionCondConfig
  | DiffusionCondInpaintConfig
  | DiffusionAutoencoderConfig
  | LMConfig;
/**
 * Encoder architecture (`type`) and its constructor arguments (`config`). Types: oobleck, seanet, dac, taae; local_attn is described but rejected because it always fails to build upstream.
 */
export type EncoderSpec = OobleckEncoder | SeanetEncoder | DacEncoder | LocalAttnEncoder | TaaeEncoder;
/**
 * Decoder architecture (`type`), its constructor arguments (`config`), and whether to soft-clip the output. Types: oobleck, seanet, dac, taae; local_attn is described but rejected because it always fails to build upstream.
 */
export type DecoderSpec = OobleckDecoder | SeanetDecoder | DacDecoder | LocalAttnDecoder | TaaeDecoder;
/**
 * Latent bottleneck (`type`) with its options (`config`). Continuous: tanh, vae, l2_norm, wasserstein. Discrete (tokens usable by an LM): rvq, rvq_vae, dac_rvq, dac_rvq_vae, fsq, dithered_fsq.
 */
export type Bottleneck =
  | TanhBottleneck
  | VaeBottleneck
  | RvqBottleneck
  | DacRvqBottleneck
  | RvqVaeBottleneck
  | DacRvqVaeBottleneck
  | L2NormBottleneck
  | WassersteinBottleneck
  | FsqBottleneck
  | DitheredFsqBottleneck;
/**
 * Codebook vector size: one integer for every codebook, or one per codebook.
 */
export type DacCodebookDim = number | [number, ...number[]];
/**
 * A fixed transform applied to audio before the model and inverted after it (`type` + `config`, plus `enable_grad`; an `autoencoder` pretransform also takes scale/model_half/iterate_batch/chunked beside `config`).
 */
export type Pretransform =
  | AutoencoderPretransform
  | WaveletPretransform
  | PqmfPretransform
  | DacPretrainedPretransform
  | AudiocraftPretrainedPretransform
  | PatchedPretransform;
/**
 * Adversarial training: discriminator family (`type`), its options and the generator-side loss weights. Types: oobleck, encodec, dac; big_vgan is described but rejected (it always fails to build).
 */
export type AutoencoderDiscriminatorLoss =
  OobleckDiscriminatorLoss | EncodecDiscriminatorLoss | DacDiscriminatorLoss | BigVganDiscriminatorLoss;
/**
 * Which optimizer to build and with which keyword arguments. `type` is a `torch.optim` class name (or DeepSpeed's `FusedAdam`); `config` holds its keyword arguments. LBFGS (needs a closure), SparseAdam (sparse gradients only) and Muon (2-D parameters only) cannot train these models and are not accepted.
 */
export type OptimizerSpec =
  | AdamOptimizer
  | AdamWOptimizer
  | AdamaxOptimizer
  | NAdamOptimizer
  | RAdamOptimizer
  | SGDOptimizer
  | RMSpropOptimizer
  | AdagradOptimizer
  | AdadeltaOptimizer
  | ASGDOptimizer
  | RpropOptimizer
  | AdafactorOptimizer
  | FusedAdamOptimizer;
/**
 * Learning-rate scheduler, stepped after every optimizer step. `type` is `InverseLR` or a `torch.optim.lr_scheduler` class that can be built from JSON; `config` holds its keyword arguments. LambdaLR/MultiplicativeLR (need a Python callable), SequentialLR/ChainedScheduler (need scheduler objects) and ReduceLROnPlateau (needs a monitored metric) are not accepted.
 */
export type SchedulerSpec =
  | InverseLRScheduler
  | StepLRScheduler
  | MultiStepLRScheduler
  | ConstantLRScheduler
  | LinearLRScheduler
  | ExponentialLRScheduler
  | PolynomialLRScheduler
  | CosineAnnealingLRScheduler
  | CosineAnnealingWarmRestartsScheduler
  | CyclicLRScheduler
  | OneCycleLRScheduler;
/**
 * An unconditional diffusion model (`create_diffusion_uncond_from_config`): backbone `type` (DAU1d, adp_uncond_1d, dit), its `config` and an optional pretransform. `io_channels` is not read here (it comes from the backbone).
 */
export type DiffusionUncondModel = DiffusionUncondDAU1DModel | DiffusionUncondAdpModel | DiffusionUncondDitModel;
/**
 * Backbone of a conditional diffusion model: `type` (adp_cfg_1d, adp_1d, dit; DAU1d and x-transformers from upstream's docs are not accepted - any other type fails with UnboundLocalError), its `config`, the objective and which conditioner ids feed which input.
 */
export type CondDiffusion = CondDiffusionAdpCfg | CondDiffusionAdp | CondDiffusionDit;
/**
 * One conditioner: metadata key (`id`), `type` and its `config` (every config is closed and also accepts `output_dim`). Types: t5, clap_text, int, number, list, phoneme, lut, pretransform, source_mix; clap_audio is described but rejected (it always fails to build).
 */
export type ConditionerSpec =
  | T5Conditioner
  | ClapTextConditioner
  | ClapAudioConditioner
  | IntConditioner
  | NumberConditioner
  | ListConditioner
  | PhonemeConditioner
  | LutConditioner
  | PretransformConditioner
  | SourceMixConditioner;
/**
 * The discriminator head on top of the discriminator base's DiT hidden states: `type` convnext (default) or conv (any other value leaves the head unset: AttributeError), its `config`, `dit_hidden_layer` (required) and the loss options. No `discriminator` keyword: `type` may be left out (convnext), so exactly one branch matches by its `type` const.
 */
export type ArcDiscriminator = ArcConvNeXtDiscriminator | ArcConvDiscriminator;
/**
 * The diffusion decoder: `type` DAU1d, adp_1d or dit (any other raises UnboundLocalError) and its `config`. It denoises audio (or pretransform latents) conditioned on the upsampled latents by input concatenation.
 */
export type DaeDiffusion = DaeDiffusionDAU1D | DaeDiffusionAdp | DaeDiffusionDit;

/**
 * An `autoencoder` model + training config (stable-audio-tools 0.0.19): trains an audio autoencoder (VAE, RVQ codec...) with spectral, waveform and adversarial losses.
 */
export interface AutoencoderConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the autoencoder model, training wrapper and demo callback.
   */
  model_type: "autoencoder";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: AutoencoderModel;
  training: AutoencoderTraining;
}
/**
 * An audio autoencoder: encoder -> optional bottleneck -> decoder, optionally wrapped around a fixed pretransform. This is the `model` of an `autoencoder` config and also the `config` of an `autoencoder` pretransform (nested inside diffusion, LM or other autoencoder configs).
 */
export interface AutoencoderModel {
  encoder: EncoderSpec;
  decoder: DecoderSpec;
  /**
   * Latent bottleneck between encoder and decoder (VAE sampling, quantisers, normalisation...). null or absent: the encoder output is the latent as is.
   */
  bottleneck?: Bottleneck | null;
  /**
   * Latent channels after the bottleneck: what a diffusion model or LM trained on this autoencoder sees. The encoder must output 2 x latent_dim for `vae`, `rvq_vae` and `dac_rvq_vae` bottlenecks; the decoder takes latent_dim (+ the bottleneck's `noise_augment_dim`) channels.
   */
  latent_dim: number;
  /**
   * Audio samples per latent frame. Must equal the product of the encoder strides (times the nested pretransform's ratio). Not checked upstream; sat-config checks it.
   */
  downsampling_ratio: number;
  /**
   * Audio channels going in and out of the autoencoder (1 = mono, 2 = stereo). Used for `in_channels`/`out_channels` when those are null.
   */
  io_channels: number;
  /**
   * Channels expected on the input side (used to mix stereo down to mono etc. when preparing audio for encoding). null: `io_channels`. Not passed to the encoder: set the encoder's own `in_channels` to match.
   */
  in_channels?: null | number;
  /**
   * Channels produced on the output side. null: `io_channels`. The training wrapper uses it to choose stereo (sum/difference + left/right) STFT losses when 2, and as the channel count of the encodec/dac/big_vgan discriminators.
   */
  out_channels?: null | number;
  /**
   * Fixed transform applied to audio before the encoder and after the decoder (e.g. a wavelet transform or another, frozen autoencoder). null or absent: none.
   */
  pretransform?: Pretransform | null;
}
/**
 * Oobleck (stable-audio-tools' convolutional codec, used by Stable Audio 2.0) encoder.
 */
export interface OobleckEncoder {
  /**
   * Selects the Oobleck (stable-audio-tools' convolutional codec, used by Stable Audio 2.0) encoder.
   */
  type: "oobleck";
  config: OobleckEncoderConfig;
  /**
   * false freezes every encoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of OobleckEncoder. Unknown keys are rejected (upstream raises TypeError).
 */
export interface OobleckEncoderConfig {
  /**
   * Audio channels the encoder reads: audio_channels (1 with `force_input_mono`), or the pretransform's encoded channels when the model has a pretransform.
   */
  in_channels?: number;
  /**
   * Base width (channels of the first stage).
   */
  channels?: number;
  /**
   * Output channels. Must be 2 x model.latent_dim with a vae/rvq_vae/dac_rvq_vae bottleneck, else model.latent_dim (or the quantiser's input size).
   */
  latent_dim?: number;
  /**
   * Channel multiplier of each stage (width = channels x c_mult). Its length is the number of stages.
   *
   * @minItems 1
   */
  c_mults?: [number, ...number[]];
  /**
   * Downsampling factor of each stage; one per c_mults entry (extra entries are ignored, too few raise IndexError). Their product is the encoder's downsampling ratio.
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * Use Snake activations instead of ELU.
   */
  use_snake?: boolean;
  /**
   * Anti-aliased (up/down-sampled) final activation.
   */
  antialias_activation?: boolean;
}
/**
 * SEANet (EnCodec 0.1.1 convolutional + LSTM codec) encoder.
 */
export interface SeanetEncoder {
  /**
   * Selects the SEANet (EnCodec 0.1.1 convolutional + LSTM codec) encoder.
   */
  type: "seanet";
  config: SeanetEncoderConfig;
  /**
   * false freezes every encoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of encodec 0.1.1's SEANetEncoder. Unknown keys are rejected (upstream raises TypeError).
 */
export interface SeanetEncoderConfig {
  /**
   * Audio channels: read by the encoder, produced by the decoder (or the pretransform's encoded channels with a pretransform).
   */
  channels?: number;
  /**
   * Latent channels: the encoder's output / the decoder's input.
   */
  dimension?: number;
  /**
   * Base width.
   */
  n_filters?: number;
  /**
   * Residual layers per stage.
   */
  n_residual_layers?: number;
  /**
   * Downsampling ratios, written in the decoder's order: upstream reverses them before building, in place in the config dict, so configs stored in upstream checkpoints hold the reversed order. Product = downsampling ratio. Absent: the factory writes [2, 2, 2, 2, 2].
   *
   * @minItems 1
   */
  ratios?: [number, ...number[]];
  /**
   * Activation: the name of a torch.nn class (e.g. `ELU`, `LeakyReLU`, `GELU`).
   */
  activation?: string;
  /**
   * Free-form keyword arguments: keyword arguments of the activation class.
   */
  activation_params?: {
    [k: string]: unknown;
  };
  /**
   * Convolution normalisation.
   */
  norm?: "none" | "weight_norm" | "spectral_norm" | "time_layer_norm" | "layer_norm" | "time_group_norm";
  /**
   * Free-form keyword arguments: keyword arguments of the normalisation.
   */
  norm_params?: {
    [k: string]: unknown;
  };
  /**
   * Kernel size of the first convolution.
   */
  kernel_size?: number;
  /**
   * Kernel size of the last convolution.
   */
  last_kernel_size?: number;
  /**
   * Kernel size of the residual convolutions.
   */
  residual_kernel_size?: number;
  /**
   * Dilation growth per residual layer.
   */
  dilation_base?: number;
  /**
   * Causal (left-only) padding.
   */
  causal?: boolean;
  /**
   * Padding mode of the convolutions.
   */
  pad_mode?: "reflect" | "constant" | "replicate" | "circular";
  /**
   * Identity skip connections instead of 1x1 convolutions in residual blocks.
   */
  true_skip?: boolean;
  /**
   * Channel reduction factor inside residual blocks.
   */
  compress?: number;
  /**
   * Number of LSTM layers at the bottleneck (0 = none).
   */
  lstm?: number;
}
/**
 * DAC (descript-audio-codec 1.0.0 convolutional codec) encoder.
 */
export interface DacEncoder {
  /**
   * Selects the DAC (descript-audio-codec 1.0.0 convolutional codec) encoder.
   */
  type: "dac";
  config: DacEncoderConfig;
  /**
   * false freezes every encoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of DACEncoderWrapper around descript-audio-codec's Encoder. `d_latent` is set by the wrapper and is rejected.
 */
export interface DacEncoderConfig {
  /**
   * Audio channels read (the first convolution is replaced when not 1).
   */
  in_channels?: number;
  /**
   * Adds a 1x1 projection to this many output channels; null: output d_model x 2^len(strides) channels.
   */
  latent_dim?: null | number;
  /**
   * Base width; doubles at every stride.
   */
  d_model: number;
  /**
   * Downsampling factor of each block; product = downsampling ratio.
   *
   * @minItems 1
   */
  strides: [number, ...number[]];
}
/**
 * Local-attention transformer encoder. `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
 */
export interface LocalAttnEncoder {
  /**
   * `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
   */
  type: "local_attn";
  config: LocalAttnEncoderConfig;
  /**
   * false freezes every encoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of TransformerDecoder1D / TransformerEncoder1D (models/local_attention.py). `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
 */
export interface LocalAttnEncoderConfig {
  /**
   * Input channels.
   */
  in_channels: number;
  /**
   * Output channels.
   */
  out_channels: number;
  /**
   * Width of each stage.
   *
   * @minItems 1
   */
  embed_dims?: [number, ...number[]];
  /**
   * Attention heads of each stage.
   *
   * @minItems 1
   */
  heads?: [number, ...number[]];
  /**
   * Transformer layers of each stage.
   *
   * @minItems 1
   */
  depths?: [number, ...number[]];
  /**
   * Downsampling factor of each stage.
   *
   * @minItems 1
   */
  ratios?: [number, ...number[]];
  /**
   * Local attention window.
   */
  local_attn_window_size?: number;
  /**
   * Optional input projection size of each block.
   */
  dim_in?: null | number;
  /**
   * Optional output projection size of each block.
   */
  dim_out?: null | number;
  /**
   * Causal attention.
   */
  causal?: boolean;
  /**
   * Feed-forward expansion factor.
   */
  ff_mult?: number;
  /**
   * Global conditioning size (0 = none).
   */
  cond_dim?: number;
  /**
   * Cross-attention conditioning size (0 = none).
   */
  cross_attn_cond_dim?: number;
}
/**
 * TAAE (transformer + convolution autoencoder) encoder.
 */
export interface TaaeEncoder {
  /**
   * Selects the TAAE (transformer + convolution autoencoder) encoder.
   */
  type: "taae";
  config: TaaeEncoderConfig;
  /**
   * false freezes every encoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of TAAEEncoder. Extra keys reach TAAEBlock, which accepts none, so unknown keys are rejected.
 */
export interface TaaeEncoderConfig {
  /**
   * Audio channels read (or the pretransform's encoded channels).
   */
  in_channels?: number;
  /**
   * Base width.
   */
  channels?: number;
  /**
   * Output channels (2 x model.latent_dim for vae-style bottlenecks).
   */
  latent_dim?: number;
  /**
   * Channel multiplier of each stage (width = channels x c_mult). Its length is the number of stages.
   *
   * @minItems 1
   */
  c_mults?: [number, ...number[]];
  /**
   * Downsampling factor of each stage; one per c_mults entry (extra entries ignored). Product = downsampling ratio.
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * Transformer blocks in each stage; one per c_mults entry.
   *
   * @minItems 1
   */
  transformer_depths?: [number, ...number[]];
  /**
   * Use Snake activations instead of ELU.
   */
  use_snake?: boolean;
  /**
   * FlashAttention local window [left, right] (needs flash_attn).
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: [number, number];
  /**
   * Gradient checkpointing (less memory, more compute).
   */
  checkpointing?: boolean;
  /**
   * Add a conformer convolution module to each transformer block.
   */
  conformer?: boolean;
  /**
   * LayerScale on residual branches.
   */
  layer_scale?: boolean;
  /**
   * Add dilated residual convolution units.
   */
  use_dilated_conv?: boolean;
}
/**
 * Oobleck (stable-audio-tools' convolutional codec, used by Stable Audio 2.0) decoder.
 */
export interface OobleckDecoder {
  /**
   * Selects the Oobleck (stable-audio-tools' convolutional codec, used by Stable Audio 2.0) decoder.
   */
  type: "oobleck";
  config: OobleckDecoderConfig;
  /**
   * false freezes every decoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
  /**
   * Apply tanh to the final decoded audio (after the pretransform). Lives beside `config`, not inside it.
   */
  soft_clip?: boolean;
}
/**
 * Arguments of OobleckDecoder. Unknown keys are rejected (upstream raises TypeError).
 */
export interface OobleckDecoderConfig {
  /**
   * Channels the decoder produces: the model's output audio channels, or the pretransform's encoded channels when the model has a pretransform.
   */
  out_channels?: number;
  /**
   * Base width (channels of the last stage).
   */
  channels?: number;
  /**
   * Input channels: model.latent_dim (+ the bottleneck's noise_augment_dim).
   */
  latent_dim?: number;
  /**
   * Channel multiplier of each stage (width = channels x c_mult). Its length is the number of stages.
   *
   * @minItems 1
   */
  c_mults?: [number, ...number[]];
  /**
   * Upsampling factor of each stage, in encoder order (applied in reverse); one per c_mults entry. Their product must equal the encoder's downsampling ratio.
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * Use Snake activations instead of ELU.
   */
  use_snake?: boolean;
  /**
   * Anti-aliased (up/down-sampled) activations.
   */
  antialias_activation?: boolean;
  /**
   * Upsample with nearest-neighbour repetition + convolution instead of transposed convolutions.
   */
  use_nearest_upsample?: boolean;
  /**
   * Apply tanh to the decoder output.
   */
  final_tanh?: boolean;
}
/**
 * SEANet (EnCodec 0.1.1 convolutional + LSTM codec) decoder.
 */
export interface SeanetDecoder {
  /**
   * Selects the SEANet (EnCodec 0.1.1 convolutional + LSTM codec) decoder.
   */
  type: "seanet";
  config: SeanetDecoderConfig;
  /**
   * false freezes every decoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
  /**
   * Apply tanh to the final decoded audio (after the pretransform). Lives beside `config`, not inside it.
   */
  soft_clip?: boolean;
}
/**
 * Arguments of encodec 0.1.1's SEANetDecoder. Unknown keys are rejected (upstream raises TypeError).
 */
export interface SeanetDecoderConfig {
  /**
   * Audio channels: read by the encoder, produced by the decoder (or the pretransform's encoded channels with a pretransform).
   */
  channels?: number;
  /**
   * Latent channels: the encoder's output / the decoder's input.
   */
  dimension?: number;
  /**
   * Base width.
   */
  n_filters?: number;
  /**
   * Residual layers per stage.
   */
  n_residual_layers?: number;
  /**
   * Upsampling ratio per stage, in decoder order. Product = downsampling ratio.
   *
   * @minItems 1
   */
  ratios?: [number, ...number[]];
  /**
   * Activation: the name of a torch.nn class (e.g. `ELU`, `LeakyReLU`, `GELU`).
   */
  activation?: string;
  /**
   * Free-form keyword arguments: keyword arguments of the activation class.
   */
  activation_params?: {
    [k: string]: unknown;
  };
  /**
   * Convolution normalisation.
   */
  norm?: "none" | "weight_norm" | "spectral_norm" | "time_layer_norm" | "layer_norm" | "time_group_norm";
  /**
   * Free-form keyword arguments: keyword arguments of the normalisation.
   */
  norm_params?: {
    [k: string]: unknown;
  };
  /**
   * Kernel size of the first convolution.
   */
  kernel_size?: number;
  /**
   * Kernel size of the last convolution.
   */
  last_kernel_size?: number;
  /**
   * Kernel size of the residual convolutions.
   */
  residual_kernel_size?: number;
  /**
   * Dilation growth per residual layer.
   */
  dilation_base?: number;
  /**
   * Causal (left-only) padding.
   */
  causal?: boolean;
  /**
   * Padding mode of the convolutions.
   */
  pad_mode?: "reflect" | "constant" | "replicate" | "circular";
  /**
   * Identity skip connections instead of 1x1 convolutions in residual blocks.
   */
  true_skip?: boolean;
  /**
   * Channel reduction factor inside residual blocks.
   */
  compress?: number;
  /**
   * Number of LSTM layers at the bottleneck (0 = none).
   */
  lstm?: number;
  /**
   * Optional final activation (a torch.nn class name); null = none.
   */
  final_activation?: null | string;
  /**
   * Free-form keyword arguments: keyword arguments of the final activation; null = none.
   */
  final_activation_params?: null | {
    [k: string]: unknown;
  };
  /**
   * Causal mode: share of the transposed-convolution padding trimmed on the right. Must stay 1.0 unless `causal` is true (assertion).
   */
  trim_right_ratio?: number;
}
/**
 * DAC (descript-audio-codec 1.0.0 convolutional codec) decoder.
 */
export interface DacDecoder {
  /**
   * Selects the DAC (descript-audio-codec 1.0.0 convolutional codec) decoder.
   */
  type: "dac";
  config: DacDecoderConfig;
  /**
   * false freezes every decoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
  /**
   * Apply tanh to the final decoded audio (after the pretransform). Lives beside `config`, not inside it.
   */
  soft_clip?: boolean;
}
/**
 * Arguments of DACDecoderWrapper around descript-audio-codec's Decoder. `input_channel` and `d_out` are set by the wrapper and are rejected.
 */
export interface DacDecoderConfig {
  /**
   * Input channels: model.latent_dim (+ the bottleneck's noise_augment_dim).
   */
  latent_dim: number;
  /**
   * Channels produced.
   */
  out_channels?: number;
  /**
   * Width of the first block; halves at every rate.
   */
  channels: number;
  /**
   * Upsampling factor of each block; product = downsampling ratio.
   *
   * @minItems 1
   */
  rates: [number, ...number[]];
}
/**
 * Local-attention transformer decoder. `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
 */
export interface LocalAttnDecoder {
  /**
   * `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
   */
  type: "local_attn";
  config: LocalAttnDecoderConfig;
  /**
   * false freezes every decoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
  /**
   * Apply tanh to the final decoded audio (after the pretransform). Lives beside `config`, not inside it.
   */
  soft_clip?: boolean;
}
/**
 * Arguments of TransformerDecoder1D / TransformerEncoder1D (models/local_attention.py). `local_attn` cannot be built: upstream's ContinuousLocalTransformer passes `natten_kernel_size` to an Attention class that has no such parameter, so construction always raises TypeError (stable-audio-tools 0.0.19). The branch is described for reference but rejected.
 */
export interface LocalAttnDecoderConfig {
  /**
   * Input channels.
   */
  in_channels: number;
  /**
   * Output channels.
   */
  out_channels: number;
  /**
   * Width of each stage.
   *
   * @minItems 1
   */
  embed_dims?: [number, ...number[]];
  /**
   * Attention heads of each stage.
   *
   * @minItems 1
   */
  heads?: [number, ...number[]];
  /**
   * Transformer layers of each stage.
   *
   * @minItems 1
   */
  depths?: [number, ...number[]];
  /**
   * Upsampling factor of each stage.
   *
   * @minItems 1
   */
  ratios?: [number, ...number[]];
  /**
   * Local attention window.
   */
  local_attn_window_size?: number;
  /**
   * Optional input projection size of each block.
   */
  dim_in?: null | number;
  /**
   * Optional output projection size of each block.
   */
  dim_out?: null | number;
  /**
   * Causal attention.
   */
  causal?: boolean;
  /**
   * Feed-forward expansion factor.
   */
  ff_mult?: number;
  /**
   * Global conditioning size (0 = none).
   */
  cond_dim?: number;
  /**
   * Cross-attention conditioning size (0 = none).
   */
  cross_attn_cond_dim?: number;
}
/**
 * TAAE (transformer + convolution autoencoder) decoder.
 */
export interface TaaeDecoder {
  /**
   * Selects the TAAE (transformer + convolution autoencoder) decoder.
   */
  type: "taae";
  config: TaaeDecoderConfig;
  /**
   * false freezes every decoder parameter (requires_grad = False).
   */
  requires_grad?: boolean;
  /**
   * Apply tanh to the final decoded audio (after the pretransform). Lives beside `config`, not inside it.
   */
  soft_clip?: boolean;
}
/**
 * Arguments of TAAEDecoder. Extra keys reach TAAEBlock, which accepts none, so unknown keys are rejected.
 */
export interface TaaeDecoderConfig {
  /**
   * Channels produced (audio, or the pretransform's encoded channels).
   */
  out_channels?: number;
  /**
   * Base width.
   */
  channels?: number;
  /**
   * Input channels: model.latent_dim (+ noise_augment_dim).
   */
  latent_dim?: number;
  /**
   * Channel multiplier of each stage (width = channels x c_mult). Its length is the number of stages.
   *
   * @minItems 1
   */
  c_mults?: [number, ...number[]];
  /**
   * Upsampling factor of each stage; one per c_mults entry (extra entries ignored). Product = downsampling ratio.
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * Transformer blocks in each stage; one per c_mults entry.
   *
   * @minItems 1
   */
  transformer_depths?: [number, ...number[]];
  /**
   * Use Snake activations instead of ELU.
   */
  use_snake?: boolean;
  /**
   * FlashAttention local window [left, right] (needs flash_attn).
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: [number, number];
  /**
   * Gradient checkpointing (less memory, more compute).
   */
  checkpointing?: boolean;
  /**
   * Add a conformer convolution module to each transformer block.
   */
  conformer?: boolean;
  /**
   * LayerScale on residual branches.
   */
  layer_scale?: boolean;
  /**
   * Add dilated residual convolution units.
   */
  use_dilated_conv?: boolean;
}
/**
 * Soft clipping of the latents: x -> scale * tanh(x / scale). Continuous.
 */
export interface TanhBottleneck {
  /**
   * Selects the `tanh` bottleneck.
   */
  type: "tanh";
  config?: TanhBottleneckConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of TanhBottleneck.
 */
export interface TanhBottleneckConfig {
  /**
   * Clipping scale.
   */
  scale?: number;
}
/**
 * Variational bottleneck: the encoder outputs mean and scale (2 x latent_dim channels), latents are sampled; adds a KL loss (weight `training.loss_configs.bottleneck.weights.kl`, default 1e-6). Continuous.
 */
export interface VaeBottleneck {
  /**
   * Selects the `vae` bottleneck.
   */
  type: "vae";
  /**
   * Not read: this bottleneck has no options. Only {} is accepted.
   */
  config?: {};
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Residual vector quantiser (vector-quantize-pytorch ResidualVQ). Discrete: tokens are the quantizer indices. Adds the quantiser loss (weight 1.0).
 */
export interface RvqBottleneck {
  /**
   * Selects the `rvq` bottleneck.
   */
  type: "rvq";
  config: ResidualVqConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of vector-quantize-pytorch's ResidualVQ (1.14.41) and of its per-layer VectorQuantize, merged over the factory's defaults (dim 128, codebook_size 1024, num_quantizers 8, decay 0.99, kmeans_init true, kmeans_iters 50, threshold_ema_dead_code 2). Unknown keys are rejected (TypeError upstream).
 */
export interface ResidualVqConfig {
  /**
   * Input (and output) channels of the quantiser: the encoder's output channels (half of them for rvq_vae) and model.latent_dim.
   */
  dim?: number;
  /**
   * Codes per codebook.
   */
  codebook_size?: number;
  /**
   * Number of residual quantisers (tokens per latent frame).
   */
  num_quantizers?: number;
  /**
   * EMA decay of the codebook updates (factory default 0.99).
   */
  decay?: number;
  /**
   * Initialise codebooks with k-means on the first batch (factory default true).
   */
  kmeans_init?: boolean;
  /**
   * k-means iterations for the initialisation (factory default 50).
   */
  kmeans_iters?: number;
  /**
   * Replace codes whose EMA cluster size falls below this (0 = never; factory default 2).
   */
  threshold_ema_dead_code?: number;
  /**
   * Codebook vector size; null = dim. A different value adds projections.
   */
  codebook_dim?: null | number;
  /**
   * All quantisers share one codebook.
   */
  shared_codebook?: boolean;
  /**
   * Must be 1: ResidualVQ asserts it is not multi-headed.
   */
  heads?: 1;
  /**
   * Randomly drop the finer quantisers during training (structured dropout).
   */
  quantize_dropout?: boolean;
  /**
   * Index of the first quantiser that may be dropped.
   */
  quantize_dropout_cutoff_index?: number;
  /**
   * Dropout keeps a multiple of this many quantisers.
   */
  quantize_dropout_multiple_of?: number;
  /**
   * Must stay false: the bottleneck feeds (batch, frames, channels) tensors.
   */
  accept_image_fmap?: false;
  /**
   * Separate codebook per head (irrelevant with heads = 1).
   */
  separate_codebook_per_head?: boolean;
  /**
   * Numerical epsilon of the codebook statistics.
   */
  eps?: number;
  /**
   * Never update the codebook.
   */
  freeze_codebook?: boolean;
  /**
   * Synchronise the k-means initialisation across processes.
   */
  sync_kmeans?: boolean;
  /**
   * Cosine-similarity codebook (l2-normalised codes) instead of Euclidean.
   */
  use_cosine_sim?: boolean;
  /**
   * LayerNorm after the input projection (only with codebook_dim != dim).
   */
  layernorm_after_project_in?: boolean;
  /**
   * Must stay true: the bottleneck feeds channel-last tensors.
   */
  channel_last?: true;
  /**
   * Weight of the commitment loss inside the quantiser loss.
   */
  commitment_weight?: number;
  /**
   * Cross-entropy commitment loss instead of MSE.
   */
  commitment_use_cross_entropy_loss?: boolean;
  /**
   * Weight of the orthogonal codebook regulariser (0 = off).
   */
  orthogonal_reg_weight?: number;
  /**
   * Orthogonal regulariser on the codes used in the batch only.
   */
  orthogonal_reg_active_codes_only?: boolean;
  /**
   * Maximum number of codes in the orthogonal regulariser; null = all.
   */
  orthogonal_reg_max_codes?: null | number;
  /**
   * Weight of the codebook-usage diversity loss (0 = off).
   */
  codebook_diversity_loss_weight?: number;
  /**
   * Temperature of the diversity loss.
   */
  codebook_diversity_temperature?: number;
  /**
   * Sample codes stochastically (Gumbel) instead of argmin.
   */
  stochastic_sample_codes?: boolean;
  /**
   * Temperature of stochastic code sampling.
   */
  sample_codebook_temp?: number;
  /**
   * Straight-through Gumbel-softmax estimator.
   */
  straight_through?: boolean;
  /**
   * Replace dead codes consistently across processes.
   */
  distributed_replace_codes?: boolean;
  /**
   * ReinMax gradient estimator; requires straight_through: true (assertion).
   */
  reinmax?: boolean;
  /**
   * Synchronise codebook statistics across processes; null = when torch.distributed runs with more than one process.
   */
  sync_codebook?: null | boolean;
  /**
   * Synchronise the affine parameters across processes.
   */
  sync_affine_param?: boolean;
  /**
   * Update the codebook by EMA. Must be false when learnable_codebook is true (assertion).
   */
  ema_update?: boolean;
  /**
   * Learn the codebook by gradient descent (then ema_update must be false).
   */
  learnable_codebook?: boolean;
  /**
   * Learnable affine transform of the codebook (Euclidean codebooks only: not with use_cosine_sim).
   */
  affine_param?: boolean;
  /**
   * EMA decay of the batch statistics of the affine transform.
   */
  affine_param_batch_decay?: number;
  /**
   * EMA decay of the codebook statistics of the affine transform.
   */
  affine_param_codebook_decay?: number;
  /**
   * Synchronous-update factor (0 = off); > 0 requires learnable_codebook: true.
   */
  sync_update_v?: number;
}
/**
 * DAC residual vector quantiser (descript-audio-codec). Discrete: tokens are the `codes`. Adds codebook (1.0) and commitment (0.25) losses.
 */
export interface DacRvqBottleneck {
  /**
   * Selects the `dac_rvq` bottleneck.
   */
  type: "dac_rvq";
  config: DacRvqConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of DACRVQBottleneck and of descript-audio-codec's ResidualVectorQuantize. Unknown keys are rejected (TypeError upstream).
 */
export interface DacRvqConfig {
  /**
   * Quantise in decode() instead of encode() (latents stay continuous for the downstream model).
   */
  quantize_on_decode?: boolean;
  /**
   * Noise channels appended to the latents before decoding; the decoder then takes latent_dim + noise_augment_dim channels.
   */
  noise_augment_dim?: number;
  /**
   * Channels entering the quantiser: the encoder's output channels and model.latent_dim.
   */
  input_dim?: number;
  /**
   * Number of residual codebooks (tokens per latent frame).
   */
  n_codebooks: number;
  /**
   * Codes per codebook.
   */
  codebook_size: number;
  codebook_dim?: DacCodebookDim;
  /**
   * Fraction of each batch trained with a random number of codebooks (0 = off).
   */
  quantizer_dropout?: number;
}
/**
 * VAE sampling followed by residual vector quantisation: the encoder outputs 2 x dim channels. Discrete. Adds KL and quantiser losses.
 */
export interface RvqVaeBottleneck {
  /**
   * Selects the `rvq_vae` bottleneck.
   */
  type: "rvq_vae";
  config: ResidualVqConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * VAE sampling followed by the DAC residual vector quantiser: the encoder outputs 2 x input_dim channels. Discrete. Adds KL, codebook and commitment losses.
 */
export interface DacRvqVaeBottleneck {
  /**
   * Selects the `dac_rvq_vae` bottleneck.
   */
  type: "dac_rvq_vae";
  config: DacRvqVaeConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of DACRVQVAEBottleneck and of descript-audio-codec's ResidualVectorQuantize. Unknown keys are rejected (TypeError upstream). `noise_augment_dim` is not accepted by this class.
 */
export interface DacRvqVaeConfig {
  /**
   * Quantise in decode() instead of encode() (latents stay continuous for the downstream model).
   */
  quantize_on_decode?: boolean;
  /**
   * Channels entering the quantiser: the encoder's output channels / 2 and model.latent_dim.
   */
  input_dim?: number;
  /**
   * Number of residual codebooks (tokens per latent frame).
   */
  n_codebooks: number;
  /**
   * Codes per codebook.
   */
  codebook_size: number;
  codebook_dim?: DacCodebookDim;
  /**
   * Fraction of each batch trained with a random number of codebooks (0 = off).
   */
  quantizer_dropout?: number;
}
/**
 * Normalises every latent frame to unit L2 norm. Continuous.
 */
export interface L2NormBottleneck {
  /**
   * Selects the `l2_norm` bottleneck.
   */
  type: "l2_norm";
  /**
   * Not read: this bottleneck has no options. Only {} is accepted.
   */
  config?: {};
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Wasserstein (MMD-regularised) bottleneck: adds an MMD loss (weight `training.loss_configs.bottleneck.weights.mmd`, default 100). Continuous.
 */
export interface WassersteinBottleneck {
  /**
   * Selects the `wasserstein` bottleneck.
   */
  type: "wasserstein";
  config?: WassersteinBottleneckConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of WassersteinBottleneck.
 */
export interface WassersteinBottleneckConfig {
  /**
   * Noise channels appended to the latents before decoding; the decoder then takes latent_dim + noise_augment_dim channels.
   */
  noise_augment_dim?: number;
  /**
   * Skip the MMD computation (the loss is logged as 0).
   */
  bypass_mmd?: boolean;
  /**
   * Soft-clip latents with tanh(x / tanh_scale) * tanh_scale.
   */
  use_tanh?: boolean;
  /**
   * Scale of the tanh soft clip.
   */
  tanh_scale?: number;
}
/**
 * Finite scalar quantisation (vector-quantize-pytorch FSQ). Discrete: tokens are the quantizer indices.
 */
export interface FsqBottleneck {
  /**
   * Selects the `fsq` bottleneck.
   */
  type: "fsq";
  config: FsqConfig;
  /**
   * false freezes the bottleneck's parameters (only matters for bottlenecks with parameters, e.g. quantiser codebooks).
   */
  requires_grad?: boolean;
}
/**
 * Arguments of FSQBottleneck and vector-quantize-pytorch's FSQ (1.14.41). `allowed_dtypes` is set by the bottleneck and rejected. Upstream's encode() needs the codebook axis in the indices, so with num_codebooks = 1 `keep_num_codebooks_dim` must be true (else an einops error on the first step).
 */
export interface FsqConfig {
  /**
   * Noise channels appended to the latents before decoding; the decoder then takes latent_dim + noise_augment_dim channels.
   */
  noise_augment_dim?: number;
  /**
   * Quantisation levels per code dimension (e.g. [8, 5, 5, 5]); codebook size = product.
   *
   * @minItems 1
   */
  levels: [number, ...number[]];
  /**
   * Input channels when they differ from len(levels) x num_codebooks (adds projections); null = len(levels) x num_codebooks.
   */
  dim?: null | number;
  /**
   * Number of codebooks (tokens per latent frame).
   */
  num_codebooks?: number;
  /**
   * Keep the codebook axis of the indices. Must be true when num_codebooks is 1 (null then means false and upstream's encode() fails); null means true when num_codebooks > 1. false is never accepted.
   */
  keep_num_codebooks_dim?: true | null;
  /**
   * Optional scale of the quantised values; null = none.
   */
  scale?: null | number;
  /**
   * Must stay false: the bottleneck feeds channel-last tensors.
   */
  channel_first?: false;
  /**
   * Bias in the input/output projections.
   */
  projection_has_bias?: boolean;
  /**
   * Must stay true: the bottleneck reads the indices.
   */
  return_indices?: true;
}
/**
 * Dithered finite scalar quantisation. Discrete: tokens are the quantizer indices.
 */
export interface DitheredFsqBottleneck {
  /**
   * Selects the `dithered_fsq` bottleneck.
   */
  type: "dithered_fsq";
  config: DitheredFsqConfig;
  /**
   * Ignored for this type: upstream returns the bottleneck before applying requires_grad, so it is never frozen. Only true (the default) is accepted.
   */
  requires_grad?: true;
}
/**
 * Arguments of DitheredFSQBottleneck (stable-audio-tools' dithered FSQ).
 */
export interface DitheredFsqConfig {
  /**
   * Code dimensions per codebook. The encoder outputs dim x num_codebooks channels.
   */
  dim: number;
  /**
   * Quantisation levels: one integer for every dimension, or one per dimension (an array of length `dim`).
   */
  levels: number | [number, ...number[]];
  /**
   * Number of codebooks.
   */
  num_codebooks?: number;
  /**
   * Also dither at inference.
   */
  dither_inference?: boolean;
  /**
   * Probability of keeping the unquantised/dithered value during training.
   */
  noise_dropout?: number;
}
/**
 * A (usually pretrained, frozen) autoencoder used as a fixed transform: its latents are what the enclosing model works on. Load its weights with the training tool's pretransform checkpoint option. Discrete iff its bottleneck is.
 */
export interface AutoencoderPretransform {
  /**
   * Selects the `autoencoder` pretransform.
   */
  type: "autoencoder";
  config: AutoencoderModel;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
  /**
   * Latents are divided by this on encode and multiplied on decode (set it to the latent standard deviation). Beside `config`, not inside it.
   */
  scale?: number;
  /**
   * Run the autoencoder in fp16.
   */
  model_half?: boolean;
  /**
   * Encode/decode one batch item at a time (less memory).
   */
  iterate_batch?: boolean;
  /**
   * Chunked encode/decode (fixed overlap 32 and chunk size 128 latent frames).
   */
  chunked?: boolean;
}
/**
 * Multi-level discrete wavelet transform: downsampling 2^levels, encoded channels channels x 2^levels. Continuous.
 */
export interface WaveletPretransform {
  /**
   * Selects the `wavelet` pretransform.
   */
  type: "wavelet";
  config: WaveletPretransformConfig;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
}
/**
 * Options of WaveletPretransform; only these three keys are read.
 */
export interface WaveletPretransformConfig {
  /**
   * Audio channels.
   */
  channels: number;
  /**
   * Decomposition levels (downsampling ratio 2^levels).
   */
  levels: number;
  /**
   * PyWavelets biorthogonal wavelet (the names upstream's type hint lists; the filter length must be odd).
   */
  wavelet: "bior2.2" | "bior2.4" | "bior2.6" | "bior2.8" | "bior4.4" | "bior6.8";
}
/**
 * Pseudo-QMF filter bank splitting audio into num_bands sub-bands (encoded channels channels x num_bands). Upstream never sets its downsampling ratio, so it cannot be used by diffusion models (their build fails); inside an autoencoder it works.
 */
export interface PqmfPretransform {
  /**
   * Selects the `pqmf` pretransform.
   */
  type: "pqmf";
  config: PqmfPretransformConfig;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
}
/**
 * Arguments of PQMFPretransform. Unknown keys are rejected (TypeError upstream).
 */
export interface PqmfPretransformConfig {
  /**
   * Stop-band attenuation of the prototype filter in dB.
   */
  attenuation?: number;
  /**
   * Number of sub-bands (a power of 2, asserted).
   */
  num_bands?: 2 | 4 | 8 | 16 | 32 | 64 | 128 | 256;
  /**
   * Audio channels.
   */
  channels?: number;
}
/**
 * Pretrained descript-audio-codec model (weights downloaded when the model is built). Mono, 1024 encoded channels, downsampling 512 (44khz) or 320 (24khz, 16khz). Discrete.
 */
export interface DacPretrainedPretransform {
  /**
   * Selects the `dac_pretrained` pretransform.
   */
  type: "dac_pretrained";
  config: DacPretrainedPretransformConfig;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
}
/**
 * Arguments of PretrainedDACPretransform. Unknown keys are rejected (TypeError upstream). Note that `scale` sits inside `config` here, unlike the autoencoder pretransform.
 */
export interface DacPretrainedPretransformConfig {
  /**
   * Which DAC model.
   */
  model_type?: "44khz" | "24khz" | "16khz";
  /**
   * Bitrate variant; 16kbps exists only for 44khz.
   */
  model_bitrate?: "8kbps" | "16kbps";
  /**
   * Latents are divided by this on encode and multiplied on decode.
   */
  scale?: number;
  /**
   * Return continuous encoder latents from encode() and quantise in decode().
   */
  quantize_on_decode?: boolean;
  /**
   * Stored but unused upstream.
   */
  chunked?: boolean;
}
/**
 * Pretrained audiocraft compression model (needs the `audiocraft` package). Token-only: continuous encode()/decode() raise AssertionError, so it is only usable where tokens are used (LM).
 */
export interface AudiocraftPretrainedPretransform {
  /**
   * Selects the `audiocraft_pretrained` pretransform.
   */
  type: "audiocraft_pretrained";
  config: AudiocraftPretrainedPretransformConfig;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
}
/**
 * Arguments of AudiocraftCompressionPretransform. Unknown keys are rejected (TypeError upstream).
 */
export interface AudiocraftPretrainedPretransformConfig {
  /**
   * audiocraft CompressionModel.get_pretrained name.
   */
  model_type?: string;
  /**
   * Stored but unused upstream.
   */
  scale?: number;
  /**
   * Stored but unused upstream.
   */
  quantize_on_decode?: boolean;
}
/**
 * Folds patch_size consecutive samples into channels: downsampling patch_size, encoded channels channels x patch_size. Continuous.
 */
export interface PatchedPretransform {
  /**
   * Selects the `patched` pretransform.
   */
  type: "patched";
  config: PatchedPretransformConfig;
  /**
   * Train the pretransform too: encode runs with gradients (and an autoencoder pretransform in train mode during diffusion training). false: frozen, encoded under no_grad.
   */
  enable_grad?: boolean;
}
/**
 * Arguments of PatchedPretransform. Upstream silently ignores unknown keys here; sat-config rejects them as typos.
 */
export interface PatchedPretransformConfig {
  /**
   * Audio channels.
   */
  channels: number;
  /**
   * Samples per patch (= downsampling ratio).
   */
  patch_size: number;
  /**
   * Resample up by this factor before patching (and back down after decoding); 1 = off.
   */
  oversampling?: number;
}
/**
 * Training options of the autoencoder wrapper. Either `learning_rate` or `optimizer_configs` must be given.
 */
export interface AutoencoderTraining {
  /**
   * Learning rate of the default optimizers (AdamW, betas 0.8/0.99, for the autoencoder and the discriminator). Only used when optimizer_configs is absent; then it is required (null makes torch fail).
   */
  learning_rate?: null | number;
  /**
   * Until this step the adversarial and feature-matching terms are zero (the discriminator still trains).
   */
  warmup_steps?: number;
  /**
   * After warm-up, run the encoder without gradients (frozen).
   */
  encoder_freeze_on_warmup?: boolean;
  /**
   * Keep an EMA copy of the autoencoder (beta 0.9999) for demos and export.
   */
  use_ema?: boolean;
  /**
   * Training losses. null or absent: upstream's built-in default (encodec discriminator with 32 filters, FFT sizes 2048..32 with hop n/4, adversarial 0.1, feature matching 5.0, perceptually weighted MRSTFT weight 1.0, L1 weight 0) - which has a discriminator, so optimizer_configs then needs a `discriminator` group.
   */
  loss_configs?: AutoencoderLossConfigs | null;
  /**
   * Validation metrics (only with a validation dataset); null or absent = none.
   */
  eval_loss_configs?: AutoencoderEvalLossConfigs | null;
  /**
   * Explicit optimizers/schedulers; null or absent = AdamW at learning_rate for both groups.
   */
  optimizer_configs?: AutoencoderOptimizerConfigs | null;
  /**
   * Average the encoder input to one channel (targets stay multi-channel): the encoder must then read 1 channel.
   */
  force_input_mono?: boolean;
  /**
   * Probability of zeroing each latent element before decoding (training only).
   */
  latent_mask_ratio?: number;
  /**
   * Distillation: a frozen teacher autoencoder (a complete model config) whose latents and decodings the student learns to match (needs the same latent_dim and downsampling_ratio). Requires teacher_model_ckpt; to train without a teacher leave the key out (null also asks for a checkpoint).
   */
  teacher_model?: AutoencoderTeacherConfig | null;
  /**
   * Path of a Lightning .ckpt whose `state_dict` holds the teacher's weights (loaded strictly). Required when teacher_model is set.
   */
  teacher_model_ckpt?: null | string;
  demo?: AutoencoderDemo;
}
/**
 * Training losses. `spectral` and `time` are required whenever `loss_configs` is given (upstream indexes them). Without `discriminator` there is no adversarial training and no discriminator optimizer.
 */
export interface AutoencoderLossConfigs {
  /**
   * Adversarial (GAN) losses; absent = none. Its presence also requires `optimizer_configs.discriminator` when optimizer_configs is given.
   */
  discriminator?: AutoencoderDiscriminatorLoss | null;
  spectral: AutoencoderSpectralLoss;
  time: AutoencoderTimeLoss;
  /**
   * Multi-resolution mel loss; absent = none.
   */
  mrmel?: AutoencoderMrmelLoss | null;
  /**
   * HuBERT-style feature loss; absent = none.
   */
  hubert?: AutoencoderHubertLoss | null;
  /**
   * Bottleneck regulariser weights; absent or null = defaults (kl 1e-6, mmd 100).
   */
  bottleneck?: AutoencoderBottleneckLoss | null;
}
/**
 * Multi-scale + multi-period waveform discriminators (OobleckDiscriminator). Its channel count is NOT taken from the model: set config.in_channels to the model's output channels yourself.
 */
export interface OobleckDiscriminatorLoss {
  /**
   * Selects the `oobleck` discriminator.
   */
  type: "oobleck";
  config: OobleckDiscriminatorConfig;
  weights: AutoencoderAdversarialWeights;
}
/**
 * Arguments of OobleckDiscriminator.
 */
export interface OobleckDiscriminatorConfig {
  /**
   * Audio channels the discriminators see. Must equal the autoencoder's output channels (2 for stereo): upstream does not fill it in.
   */
  in_channels?: number;
}
/**
 * Generator-side weights of the GAN losses (the discriminator's own loss has weight 1.0).
 */
export interface AutoencoderAdversarialWeights {
  /**
   * Weight of the generator's adversarial loss.
   */
  adversarial: number;
  /**
   * Weight of the feature-matching loss.
   */
  feature_matching: number;
}
/**
 * Multi-scale STFT discriminator (EnCodec style); the default of upstream's autoencoder wrapper. Channels come from the model's out_channels.
 */
export interface EncodecDiscriminatorLoss {
  /**
   * Selects the `encodec` discriminator.
   */
  type: "encodec";
  config: EncodecDiscriminatorConfig;
  weights: AutoencoderAdversarialWeights;
}
/**
 * Arguments of EncodecDiscriminator / MultiScaleSTFTDiscriminator / DiscriminatorSTFT. `in_channels` (set from the model) and the per-scale `n_fft`/`hop_length`/`win_length` (set from the arrays) are rejected. Upstream silently ignores other unknown keys here; sat-config rejects them as typos.
 */
export interface EncodecDiscriminatorConfig {
  /**
   * Normalise the feature-matching distance by the real features' magnitude.
   */
  normalize_losses?: boolean;
  /**
   * GAN loss. Only "hinge" works: "rpgan" (relativistic) raises NameError upstream because get_relativistic_losses is not imported into models/discriminators.py.
   */
  loss_type?: "hinge";
  /**
   * Base number of convolution filters.
   */
  filters: number;
  /**
   * Logit channels per scale.
   */
  out_channels?: number;
  /**
   * FFT size of each scale.
   *
   * @minItems 1
   */
  n_ffts?: [number, ...number[]];
  /**
   * Hop of each scale (same length as n_ffts, asserted).
   *
   * @minItems 1
   */
  hop_lengths?: [number, ...number[]];
  /**
   * Window of each scale (same length as n_ffts, asserted; each <= its n_fft).
   *
   * @minItems 1
   */
  win_lengths?: [number, ...number[]];
  /**
   * Cap on the number of filters.
   */
  max_filters?: number;
  /**
   * Filter growth factor per layer.
   */
  filters_scale?: number;
  /**
   * 2-D convolution kernel (frequency, time).
   *
   * @minItems 2
   * @maxItems 2
   */
  kernel_size?: [number, number];
  /**
   * Time dilation of each inner convolution.
   *
   * @minItems 1
   */
  dilations?: [number, ...number[]];
  /**
   * 2-D convolution stride (frequency, time).
   *
   * @minItems 2
   * @maxItems 2
   */
  stride?: [number, number];
  /**
   * Normalise the spectrogram by the window.
   */
  normalized?: boolean;
  /**
   * Activation: a torch.nn class name.
   */
  activation?: string;
  /**
   * Free-form keyword arguments: keyword arguments of the activation class.
   */
  activation_params?: {
    [k: string]: unknown;
  };
  /**
   * Compress the complex spectrogram magnitude by this power (0 = off).
   */
  spec_scale_pow?: number;
}
/**
 * DAC discriminators (multi-period + multi-resolution band-split STFT), least-squares or hinge loss. Channels and sample rate come from the model.
 */
export interface DacDiscriminatorLoss {
  /**
   * Selects the `dac` discriminator.
   */
  type: "dac";
  config: DacDiscriminatorConfig;
  weights: AutoencoderAdversarialWeights;
}
/**
 * Arguments of DACGANLoss / DACDiscriminator. `channels` and `sample_rate` are set by the wrapper and rejected.
 */
export interface DacDiscriminatorConfig {
  /**
   * Hinge loss instead of least squares.
   */
  use_hinge?: boolean;
  /**
   * Sample-rate divisors of multi-scale (MSD) discriminators. Must stay empty: a non-empty list raises NameError upstream (MSD uses AudioSignal, which is only imported inside MRD).
   *
   * @maxItems 0
   */
  rates?: [];
  /**
   * Periods of the multi-period discriminators.
   */
  periods?: number[];
  /**
   * Window lengths of the multi-resolution STFT discriminators.
   */
  fft_sizes?: number[];
  /**
   * Frequency bands of the multi-resolution discriminators, as [low, high] fractions of the spectrum.
   *
   * @minItems 1
   */
  bands?: [[number, number], ...[number, number][]];
}
/**
 * BigVGAN discriminators (multi-period + CQT). `big_vgan` cannot be built: upstream's BigVGANDiscriminator references a DiscriminatorCQT class that is defined nowhere (NameError at construction, stable-audio-tools 0.0.19). Described for reference but rejected.
 */
export interface BigVganDiscriminatorLoss {
  /**
   * `big_vgan` cannot be built: upstream's BigVGANDiscriminator references a DiscriminatorCQT class that is defined nowhere (NameError at construction, stable-audio-tools 0.0.19). Described for reference but rejected.
   */
  type: "big_vgan";
  config: BigVganDiscriminatorConfig;
  weights: AutoencoderAdversarialWeights;
}
/**
 * Arguments of BigVGANDiscriminator (`channels`, `sample_rate` set by the wrapper). `big_vgan` cannot be built: upstream's BigVGANDiscriminator references a DiscriminatorCQT class that is defined nowhere (NameError at construction, stable-audio-tools 0.0.19). Described for reference but rejected.
 */
export interface BigVganDiscriminatorConfig {
  /**
   * Hinge loss instead of least squares.
   */
  use_hinge?: boolean;
  /**
   * Periods of the multi-period discriminators.
   */
  periods?: number[];
  /**
   * CQT discriminator base filters.
   */
  cqtd_filters?: number;
  /**
   * CQT discriminator filter cap.
   */
  cqtd_max_filters?: number;
  /**
   * CQT discriminator filter growth.
   */
  cqtd_filters_scale?: number;
  /**
   * CQT discriminator dilations.
   */
  cqtd_dilations?: number[];
  /**
   * Overrides the channel count; null = the model's.
   */
  cqtd_in_channels?: null | number;
  /**
   * CQT discriminator logit channels.
   */
  cqtd_out_channels?: number;
  /**
   * Hop of each CQT discriminator.
   */
  cqtd_hop_lengths?: number[];
  /**
   * Octaves of each CQT discriminator.
   */
  cqtd_n_octaves?: number[];
  /**
   * Bins per octave of each CQT discriminator.
   */
  cqtd_bins_per_octaves?: number[];
  /**
   * Lowest CQT frequency in Hz (read as `fmin`, not `cqtd_fmin`).
   */
  fmin?: number;
}
/**
 * Multi-resolution STFT reconstruction loss (always used). Stereo models (out_channels = 2) use a sum/difference STFT loss plus left and right STFT losses at half weight each.
 */
export interface AutoencoderSpectralLoss {
  /**
   * Not read (shipped configs write "mrstft").
   */
  type?: string;
  config: AutoencoderStftLossConfig;
  weights: AutoencoderSpectralWeights;
  /**
   * Per-step multiplicative decay of the spectral (and latent-distillation) weights; 1.0 = constant.
   */
  decay?: number;
}
/**
 * Keyword arguments of the multi-resolution STFT loss (auraloss MultiResolutionSTFTLoss; for stereo models also SumAndDifferenceSTFTLoss). `sample_rate` is supplied by the wrapper and rejected. `w_sum`/`w_diff` are rejected: the same dict also reaches MultiResolutionSTFTLoss, which forwards them to a class without **kwargs (TypeError). Any other unknown key fails the same way.
 */
export interface AutoencoderStftLossConfig {
  /**
   * FFT size of each resolution. Required for stereo models (out_channels = 2).
   *
   * @minItems 1
   */
  fft_sizes?: [number, ...number[]];
  /**
   * Hop of each resolution (same length as fft_sizes). Required for stereo models.
   *
   * @minItems 1
   */
  hop_sizes?: [number, ...number[]];
  /**
   * Window length of each resolution (same length as fft_sizes, each <= its fft size). Required for stereo models.
   *
   * @minItems 1
   */
  win_lengths?: [number, ...number[]];
  /**
   * Analysis window: a torch window function name (`hann_window`, `hamming_window`, `blackman_window`, `bartlett_window`, `kaiser_window`) or any scipy.signal.windows name (e.g. `hann`).
   */
  window?: string;
  /**
   * Weight of the spectral-convergence term.
   */
  w_sc?: number;
  /**
   * Weight of the log-magnitude term.
   */
  w_log_mag?: number;
  /**
   * Weight of the linear-magnitude term.
   */
  w_lin_mag?: number;
  /**
   * Weight of the phase term.
   */
  w_phs?: number;
  /**
   * Frequency scale: "mel" (needs librosa and n_bins) or null for linear. "chroma" cannot be used through the multi-resolution loss (its bin count is never passed) and is rejected.
   */
  scale?: "mel" | null;
  /**
   * Mel bins of each resolution (only with scale "mel"; same length as fft_sizes, each <= its fft size).
   *
   * @minItems 1
   */
  n_bins?: null | [number, ...number[]];
  /**
   * Apply an A-weighting FIR pre-filter before the STFT.
   */
  perceptual_weighting?: boolean;
  /**
   * Optimally rescale the target magnitude before comparing.
   */
  scale_invariance?: boolean;
  /**
   * Magnitude clamp (avoids log(0) and division by 0).
   */
  eps?: number;
  /**
   * Must stay "loss": "full" returns a tuple that the loss wrapper cannot weight.
   */
  output?: "loss";
  /**
   * Reduction over elements. (Anything else leaves an unreduced tensor, which training cannot use.)
   */
  reduction?: "mean" | "sum";
  /**
   * Distance of the magnitude terms.
   */
  mag_distance?: "L1" | "L2";
  /**
   * Filterbank device; leave unset (null).
   */
  device?: null;
  /**
   * Must stay false: per-item losses cannot be weighted into a scalar.
   */
  retain_batch_dim?: false;
  /**
   * Constant added to magnitudes before the log.
   */
  log_eps?: number;
  /**
   * Factor applied to magnitudes before the log.
   */
  log_fac?: number;
}
/**
 * Spectral loss weights.
 */
export interface AutoencoderSpectralWeights {
  /**
   * Weight of the multi-resolution STFT term. With a teacher model each of the 5 distillation terms gets 0.25 x this.
   */
  mrstft: number;
}
/**
 * Waveform-domain losses (the object is required; it may have empty weights).
 */
export interface AutoencoderTimeLoss {
  /**
   * Not read (shipped configs write "l1").
   */
  type?: string;
  weights: AutoencoderTimeWeights;
  /**
   * Per-step multiplicative decay of the L1/L2 weights; 1.0 = constant.
   */
  decay?: number;
}
/**
 * Waveform loss weights; a term is added only when its weight is > 0.
 */
export interface AutoencoderTimeWeights {
  /**
   * Weight of the L1 waveform loss (0 = off).
   */
  l1?: number;
  /**
   * Weight of the MSE waveform loss (0 = off).
   */
  l2?: number;
}
/**
 * Multi-resolution mel-spectrogram loss (DAC style; needs audiotools). Only these keys are read.
 */
export interface AutoencoderMrmelLoss {
  weights: AutoencoderMrmelWeights;
  config: AutoencoderMrmelConfig;
}
/**
 * Mel loss weight.
 */
export interface AutoencoderMrmelWeights {
  /**
   * Weight of the mel loss (0 = off).
   */
  mrmel: number;
}
/**
 * MelSpectrogramLoss options; all five are required (read whenever the weight is > 0). Its other parameters (clamp_eps, mel_fmin, mel_fmax, window_type) cannot be set from the config.
 */
export interface AutoencoderMrmelConfig {
  /**
   * Mel bins of each resolution.
   *
   * @minItems 1
   */
  n_mels: [number, ...number[]];
  /**
   * STFT window of each resolution (same length as n_mels); hop = window / 4.
   *
   * @minItems 1
   */
  window_lengths: [number, ...number[]];
  /**
   * Power applied to the magnitude before log10.
   */
  pow: number;
  /**
   * Weight of the log-magnitude part.
   */
  log_weight: number;
  /**
   * Weight of the raw-magnitude part.
   */
  mag_weight: number;
}
/**
 * Self-supervised feature loss (HuBERT/WavLM/wav2vec2 from torchaudio; weights are downloaded at construction). Audio is fed at the model's sample rate without resampling (these models expect 16 kHz).
 */
export interface AutoencoderHubertLoss {
  weights: AutoencoderHubertWeights;
  config?: AutoencoderHubertConfig;
  /**
   * Per-step multiplicative decay of the weight; 1.0 = constant.
   */
  decay?: number;
}
/**
 * Feature loss weight.
 */
export interface AutoencoderHubertWeights {
  /**
   * Weight of the feature loss (0 = off).
   */
  hubert: number;
}
/**
 * HubertLoss options. `weight` is set by the wrapper and rejected.
 */
export interface AutoencoderHubertConfig {
  /**
   * Transformer layers to compare; null = all; [-1] = only the convolutional feature extractor.
   *
   * @minItems 1
   */
  feature_ids?: null | [number, ...number[]];
  /**
   * torchaudio pipeline.
   */
  model_name?: "HUBERT_LARGE" | "WAVLM_LARGE" | "WAV2VEC2_LARGE_LV60K";
}
/**
 * Weights of the bottleneck regularisers.
 */
export interface AutoencoderBottleneckLoss {
  /**
   * Not read (shipped configs write "kl").
   */
  type?: string;
  weights?: AutoencoderBottleneckWeights;
}
/**
 * Regulariser weights. (Upstream silently falls back to the defaults on a misspelt key; sat-config rejects unknown keys.)
 */
export interface AutoencoderBottleneckWeights {
  /**
   * KL weight for vae, rvq_vae and dac_rvq_vae bottlenecks.
   */
  kl?: number;
  /**
   * MMD weight for the wasserstein bottleneck.
   */
  mmd?: number;
}
/**
 * Validation metrics, computed only when a validation dataset is given. Each present key enables its metric ({} = defaults). `pesq` is rejected: upstream's PESQ metric raises NameError at the first validation step (its import was removed in 0.0.19).
 */
export interface AutoencoderEvalLossConfigs {
  /**
   * Single-resolution STFT distance; absent = off.
   */
  stft?: AutoencoderEvalStftConfig | null;
  /**
   * Scale-invariant SDR; absent = off.
   */
  sisdr?: AutoencoderEvalSisdrConfig | null;
  /**
   * Mel-STFT distance; absent = off.
   */
  mel?: AutoencoderEvalMelConfig | null;
}
/**
 * Arguments of auraloss STFTLoss (single resolution), logged as val/stft.
 */
export interface AutoencoderEvalStftConfig {
  /**
   * FFT size.
   */
  fft_size?: number;
  /**
   * Hop size.
   */
  hop_size?: number;
  /**
   * Window length (<= fft_size).
   */
  win_length?: number;
  /**
   * Analysis window: a torch window function name (`hann_window`, `hamming_window`, `blackman_window`, `bartlett_window`, `kaiser_window`) or any scipy.signal.windows name (e.g. `hann`).
   */
  window?: string;
  /**
   * Weight of the spectral-convergence term.
   */
  w_sc?: number;
  /**
   * Weight of the log-magnitude term.
   */
  w_log_mag?: number;
  /**
   * Weight of the linear-magnitude term.
   */
  w_lin_mag?: number;
  /**
   * Weight of the phase term.
   */
  w_phs?: number;
  /**
   * Sample rate in Hz; needed for perceptual_weighting and for a mel/chroma scale (not filled in by the wrapper here).
   */
  sample_rate?: null | number;
  /**
   * Frequency scale: "mel" or "chroma" (need librosa, sample_rate and n_bins), or null for linear.
   */
  scale?: "mel" | "chroma" | null;
  /**
   * Mel/chroma bins (<= fft_size); only with a scale.
   */
  n_bins?: null | number;
  /**
   * Apply an A-weighting FIR pre-filter before the STFT.
   */
  perceptual_weighting?: boolean;
  /**
   * Optimally rescale the target magnitude before comparing.
   */
  scale_invariance?: boolean;
  /**
   * Magnitude clamp (avoids log(0) and division by 0).
   */
  eps?: number;
  /**
   * Must stay "loss": "full" returns a tuple that the loss wrapper cannot weight.
   */
  output?: "loss";
  /**
   * Reduction over elements. (Anything else leaves an unreduced tensor, which training cannot use.)
   */
  reduction?: "mean" | "sum";
  /**
   * Distance of the magnitude terms.
   */
  mag_distance?: "L1" | "L2";
  /**
   * Filterbank device; leave unset (null).
   */
  device?: null;
  /**
   * Must stay false: per-item losses cannot be weighted into a scalar.
   */
  retain_batch_dim?: false;
  /**
   * Constant added to magnitudes before the log.
   */
  log_eps?: number;
  /**
   * Factor applied to magnitudes before the log.
   */
  log_fac?: number;
}
/**
 * Arguments of auraloss SISDRLoss; logged negated as val/sisdr (higher is better).
 */
export interface AutoencoderEvalSisdrConfig {
  /**
   * Remove the mean before computing SI-SDR.
   */
  zero_mean?: boolean;
  /**
   * Numerical epsilon.
   */
  eps?: number;
  /**
   * Reduction over the batch.
   */
  reduction?: "mean" | "sum";
}
/**
 * Arguments of auraloss MelSTFTLoss (needs librosa), logged as val/mel. `sample_rate` (from the config), `scale` and `n_bins` are set by the wrapper and rejected.
 */
export interface AutoencoderEvalMelConfig {
  /**
   * FFT size.
   */
  fft_size?: number;
  /**
   * Hop size.
   */
  hop_size?: number;
  /**
   * Window length (<= fft_size).
   */
  win_length?: number;
  /**
   * Analysis window: a torch window function name (`hann_window`, `hamming_window`, `blackman_window`, `bartlett_window`, `kaiser_window`) or any scipy.signal.windows name (e.g. `hann`).
   */
  window?: string;
  /**
   * Weight of the spectral-convergence term.
   */
  w_sc?: number;
  /**
   * Weight of the log-magnitude term.
   */
  w_log_mag?: number;
  /**
   * Weight of the linear-magnitude term.
   */
  w_lin_mag?: number;
  /**
   * Weight of the phase term.
   */
  w_phs?: number;
  /**
   * Mel bins (<= fft_size).
   */
  n_mels?: number;
  /**
   * Apply an A-weighting FIR pre-filter before the STFT.
   */
  perceptual_weighting?: boolean;
  /**
   * Optimally rescale the target magnitude before comparing.
   */
  scale_invariance?: boolean;
  /**
   * Magnitude clamp (avoids log(0) and division by 0).
   */
  eps?: number;
  /**
   * Must stay "loss": "full" returns a tuple that the loss wrapper cannot weight.
   */
  output?: "loss";
  /**
   * Reduction over elements. (Anything else leaves an unreduced tensor, which training cannot use.)
   */
  reduction?: "mean" | "sum";
  /**
   * Distance of the magnitude terms.
   */
  mag_distance?: "L1" | "L2";
  /**
   * Filterbank device; leave unset (null).
   */
  device?: null;
  /**
   * Must stay false: per-item losses cannot be weighted into a scalar.
   */
  retain_batch_dim?: false;
  /**
   * Constant added to magnitudes before the log.
   */
  log_eps?: number;
  /**
   * Factor applied to magnitudes before the log.
   */
  log_fac?: number;
}
/**
 * Optimizers of the autoencoder wrapper. With a discriminator, schedulers are created only when BOTH groups define one (a single scheduler is silently ignored).
 */
export interface AutoencoderOptimizerConfigs {
  autoencoder: OptimizerGroup;
  /**
   * Optimizer (and optional scheduler) of the discriminator. Required when a discriminator loss is used (including the built-in default losses, which have one).
   */
  discriminator?: OptimizerGroup | null;
}
/**
 * One optimizer (and optionally its learning-rate scheduler) for one group of parameters.
 */
export interface OptimizerGroup {
  optimizer: OptimizerSpec;
  /**
   * Optional learning-rate scheduler, stepped per optimizer step (null or absent: constant learning rate). Where a wrapper has two groups (autoencoder + discriminator, ARC diffusion + discriminator), schedulers are used only when both groups define one.
   */
  scheduler?: SchedulerSpec | null;
}
/**
 * torch.optim.Adam.
 */
export interface AdamOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Adam";
  config: AdamOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Adam.
 */
export interface AdamOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the AMSGrad variant.
   */
  amsgrad?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Use the fused (single-kernel) implementation; null lets torch choose.
   */
  fused?: null | boolean;
  /**
   * Decoupled (AdamW-style) weight decay (newer torch releases).
   */
  decoupled_weight_decay?: boolean;
}
/**
 * torch.optim.AdamW: Adam with decoupled weight decay.
 */
export interface AdamWOptimizer {
  /**
   * Optimizer class name.
   */
  type: "AdamW";
  config: AdamWOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.AdamW: Adam with decoupled weight decay.
 */
export interface AdamWOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the AMSGrad variant.
   */
  amsgrad?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Use the fused (single-kernel) implementation; null lets torch choose.
   */
  fused?: null | boolean;
}
/**
 * torch.optim.Adamax (Adam on the infinity norm).
 */
export interface AdamaxOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Adamax";
  config: AdamaxOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Adamax (Adam on the infinity norm).
 */
export interface AdamaxOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
}
/**
 * torch.optim.NAdam (Adam with Nesterov momentum).
 */
export interface NAdamOptimizer {
  /**
   * Optimizer class name.
   */
  type: "NAdam";
  config: NAdamOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.NAdam (Adam with Nesterov momentum).
 */
export interface NAdamOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Momentum decay.
   */
  momentum_decay?: number;
  /**
   * Decoupled (AdamW-style) weight decay (newer torch releases).
   */
  decoupled_weight_decay?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
}
/**
 * torch.optim.RAdam (rectified Adam).
 */
export interface RAdamOptimizer {
  /**
   * Optimizer class name.
   */
  type: "RAdam";
  config: RAdamOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.RAdam (rectified Adam).
 */
export interface RAdamOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Decoupled (AdamW-style) weight decay (newer torch releases).
   */
  decoupled_weight_decay?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
}
/**
 * torch.optim.SGD (optionally with momentum).
 */
export interface SGDOptimizer {
  /**
   * Optimizer class name.
   */
  type: "SGD";
  config: SGDOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.SGD (optionally with momentum).
 */
export interface SGDOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Momentum factor.
   */
  momentum?: number;
  /**
   * Dampening for momentum.
   */
  dampening?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Nesterov momentum (needs momentum > 0 and dampening 0).
   */
  nesterov?: boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Use the fused (single-kernel) implementation; null lets torch choose.
   */
  fused?: null | boolean;
}
/**
 * torch.optim.RMSprop.
 */
export interface RMSpropOptimizer {
  /**
   * Optimizer class name.
   */
  type: "RMSprop";
  config: RMSpropOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.RMSprop.
 */
export interface RMSpropOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Smoothing constant.
   */
  alpha?: number;
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Momentum factor.
   */
  momentum?: number;
  /**
   * Normalise the gradient by an estimate of its variance.
   */
  centered?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
}
/**
 * torch.optim.Adagrad.
 */
export interface AdagradOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Adagrad";
  config: AdagradOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Adagrad.
 */
export interface AdagradOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Learning-rate decay.
   */
  lr_decay?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Initial value of the sum of squares.
   */
  initial_accumulator_value?: number;
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Use the fused (single-kernel) implementation; null lets torch choose.
   */
  fused?: null | boolean;
}
/**
 * torch.optim.Adadelta.
 */
export interface AdadeltaOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Adadelta";
  config: AdadeltaOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Adadelta.
 */
export interface AdadeltaOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Running-average coefficient of squared gradients.
   */
  rho?: number;
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
}
/**
 * torch.optim.ASGD (averaged SGD).
 */
export interface ASGDOptimizer {
  /**
   * Optimizer class name.
   */
  type: "ASGD";
  config: ASGDOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.ASGD (averaged SGD).
 */
export interface ASGDOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Decay term.
   */
  lambd?: number;
  /**
   * Power for the eta update.
   */
  alpha?: number;
  /**
   * Step at which averaging starts.
   */
  t0?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
}
/**
 * torch.optim.Rprop (resilient backpropagation).
 */
export interface RpropOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Rprop";
  config: RpropOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Rprop (resilient backpropagation).
 */
export interface RpropOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Multiplicative decrease and increase factors (etaminus, etaplus).
   *
   * @minItems 2
   * @maxItems 2
   */
  etas?: [number, number];
  /**
   * Minimal and maximal allowed step sizes.
   *
   * @minItems 2
   * @maxItems 2
   */
  step_sizes?: [number, number];
  /**
   * Make the optimizer safe to capture in a CUDA graph.
   */
  capturable?: boolean;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
  /**
   * Allow autograd through the optimizer step (rarely wanted).
   */
  differentiable?: boolean;
}
/**
 * torch.optim.Adafactor (torch >= 2.5).
 */
export interface AdafactorOptimizer {
  /**
   * Optimizer class name.
   */
  type: "Adafactor";
  config: AdafactorOptimizerConfig;
}
/**
 * Keyword arguments of torch.optim.Adafactor (torch >= 2.5).
 */
export interface AdafactorOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Decay rate of the second-moment estimate.
   */
  beta2_decay?: number;
  /**
   * Epsilon terms, each at least 0 (eps1 for the update, null = dtype eps; eps2 for the relative step).
   *
   * @minItems 2
   * @maxItems 2
   */
  eps?: [number | null, number | null];
  /**
   * Clipping threshold of the update RMS.
   */
  d?: number;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Use the foreach (multi-tensor) implementation; null lets torch choose.
   */
  foreach?: null | boolean;
  /**
   * Maximise the objective instead of minimising it.
   */
  maximize?: boolean;
}
/**
 * DeepSpeed's FusedAdam (`deepspeed.ops.adam.FusedAdam`); needs DeepSpeed installed and a GPU.
 */
export interface FusedAdamOptimizer {
  /**
   * Optimizer class name.
   */
  type: "FusedAdam";
  config: FusedAdamOptimizerConfig;
}
/**
 * Keyword arguments of DeepSpeed's FusedAdam (`deepspeed.ops.adam.FusedAdam`); needs DeepSpeed installed and a GPU.
 */
export interface FusedAdamOptimizerConfig {
  /**
   * Learning rate.
   */
  lr?: number;
  /**
   * Apply Adam bias correction.
   */
  bias_correction?: boolean;
  /**
   * Coefficients for the running averages of the gradient and its square.
   *
   * @minItems 2
   * @maxItems 2
   */
  betas?: [number, number];
  /**
   * Term added to the denominator for numerical stability.
   */
  eps?: number;
  /**
   * Decoupled (AdamW) weight decay.
   */
  adam_w_mode?: boolean;
  /**
   * Weight decay (L2 penalty; decoupled for AdamW).
   */
  weight_decay?: number;
  /**
   * Not supported by FusedAdam; must stay false.
   */
  amsgrad?: boolean;
  /**
   * Set gradients to None after the step.
   */
  set_grad_none?: boolean;
}
/**
 * stable-audio-tools' inverse-decay schedule: lr = base_lr * (1 - warmup^(step+1)) * (1 + step/inv_gamma)^(-power), floored at final_lr.
 */
export interface InverseLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "InverseLR";
  config: InverseLRSchedulerConfig;
}
/**
 * Keyword arguments of stable-audio-tools' inverse-decay schedule: lr = base_lr * (1 - warmup^(step+1)) * (1 + step/inv_gamma)^(-power), floored at final_lr.
 */
export interface InverseLRSchedulerConfig {
  /**
   * Steps until the learning rate has decayed to (1/2)^power of its base value.
   */
  inv_gamma?: number;
  /**
   * Decay exponent.
   */
  power?: number;
  /**
   * Exponential warm-up factor: the multiplier is 1 - warmup^(step+1). Must satisfy 0 <= warmup < 1.
   */
  warmup?: number;
  /**
   * Lower bound of the learning rate.
   */
  final_lr?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.StepLR: multiply by gamma every step_size steps.
 */
export interface StepLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "StepLR";
  config: StepLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.StepLR: multiply by gamma every step_size steps.
 */
export interface StepLRSchedulerConfig {
  /**
   * Period of the decay, in optimizer steps.
   */
  step_size: number;
  /**
   * Multiplicative factor.
   */
  gamma?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.MultiStepLR: multiply by gamma at each milestone.
 */
export interface MultiStepLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "MultiStepLR";
  config: MultiStepLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.MultiStepLR: multiply by gamma at each milestone.
 */
export interface MultiStepLRSchedulerConfig {
  /**
   * Increasing step indices at which to decay.
   */
  milestones: number[];
  /**
   * Multiplicative factor.
   */
  gamma?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.ConstantLR: scale by factor until total_iters.
 */
export interface ConstantLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "ConstantLR";
  config: ConstantLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.ConstantLR: scale by factor until total_iters.
 */
export interface ConstantLRSchedulerConfig {
  /**
   * Multiplier applied until total_iters.
   */
  factor?: number;
  /**
   * Steps the factor applies.
   */
  total_iters?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.LinearLR: linear ramp of the multiplier.
 */
export interface LinearLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "LinearLR";
  config: LinearLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.LinearLR: linear ramp of the multiplier.
 */
export interface LinearLRSchedulerConfig {
  /**
   * Multiplier at step 0.
   */
  start_factor?: number;
  /**
   * Multiplier after total_iters.
   */
  end_factor?: number;
  /**
   * Steps of the ramp.
   */
  total_iters?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.ExponentialLR: multiply by gamma every step.
 */
export interface ExponentialLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "ExponentialLR";
  config: ExponentialLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.ExponentialLR: multiply by gamma every step.
 */
export interface ExponentialLRSchedulerConfig {
  /**
   * Multiplicative factor per optimizer step.
   */
  gamma: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.PolynomialLR: polynomial decay to 0 over total_iters.
 */
export interface PolynomialLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "PolynomialLR";
  config: PolynomialLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.PolynomialLR: polynomial decay to 0 over total_iters.
 */
export interface PolynomialLRSchedulerConfig {
  /**
   * Steps of the decay.
   */
  total_iters?: number;
  /**
   * Polynomial power.
   */
  power?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.CosineAnnealingLR.
 */
export interface CosineAnnealingLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "CosineAnnealingLR";
  config: CosineAnnealingLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.CosineAnnealingLR.
 */
export interface CosineAnnealingLRSchedulerConfig {
  /**
   * Half-period of the cosine, in optimizer steps.
   */
  T_max: number;
  /**
   * Minimum learning rate.
   */
  eta_min?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR).
 */
export interface CosineAnnealingWarmRestartsScheduler {
  /**
   * Scheduler class name.
   */
  type: "CosineAnnealingWarmRestarts";
  config: CosineAnnealingWarmRestartsSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR).
 */
export interface CosineAnnealingWarmRestartsSchedulerConfig {
  /**
   * Steps until the first restart.
   */
  T_0: number;
  /**
   * Period multiplier after each restart.
   */
  T_mult?: number;
  /**
   * Minimum learning rate.
   */
  eta_min?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.CyclicLR.
 */
export interface CyclicLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "CyclicLR";
  config: CyclicLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.CyclicLR.
 */
export interface CyclicLRSchedulerConfig {
  /**
   * Lower learning-rate bound of the cycle.
   */
  base_lr: number;
  /**
   * Upper learning-rate bound of the cycle.
   */
  max_lr: number;
  /**
   * Steps in the increasing half of a cycle.
   */
  step_size_up?: number;
  /**
   * Steps in the decreasing half; null = step_size_up.
   */
  step_size_down?: null | number;
  /**
   * Cycle policy.
   */
  mode?: "triangular" | "triangular2" | "exp_range";
  /**
   * Decay constant for exp_range.
   */
  gamma?: number;
  /**
   * What the scaling is evaluated on.
   */
  scale_mode?: "cycle" | "iterations";
  /**
   * Cycle momentum inversely to the learning rate (needs an optimizer with momentum or betas).
   */
  cycle_momentum?: boolean;
  /**
   * Lower momentum bound.
   */
  base_momentum?: number;
  /**
   * Upper momentum bound.
   */
  max_momentum?: number;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * torch.optim.lr_scheduler.OneCycleLR (1cycle policy).
 */
export interface OneCycleLRScheduler {
  /**
   * Scheduler class name.
   */
  type: "OneCycleLR";
  config: OneCycleLRSchedulerConfig;
}
/**
 * Keyword arguments of torch.optim.lr_scheduler.OneCycleLR (1cycle policy).
 */
export interface OneCycleLRSchedulerConfig {
  /**
   * Peak learning rate.
   */
  max_lr: number;
  /**
   * Total optimizer steps of the cycle (or give epochs and steps_per_epoch).
   */
  total_steps?: null | number;
  /**
   * Epochs of the cycle.
   */
  epochs?: null | number;
  /**
   * Steps per epoch.
   */
  steps_per_epoch?: null | number;
  /**
   * Fraction of the cycle spent increasing.
   */
  pct_start?: number;
  /**
   * Annealing shape.
   */
  anneal_strategy?: "cos" | "linear";
  /**
   * Cycle momentum inversely to the learning rate.
   */
  cycle_momentum?: boolean;
  /**
   * Lower momentum bound.
   */
  base_momentum?: number;
  /**
   * Upper momentum bound.
   */
  max_momentum?: number;
  /**
   * Initial lr = max_lr / div_factor.
   */
  div_factor?: number;
  /**
   * Final lr = initial lr / final_div_factor.
   */
  final_div_factor?: number;
  /**
   * Use a third phase that anneals below the initial lr.
   */
  three_phase?: boolean;
  /**
   * Index of the last step when resuming; -1 starts fresh.
   */
  last_epoch?: number;
}
/**
 * A complete autoencoder model config (as in its own config file) for the frozen teacher of distillation. Only model_type, sample_rate and model are read; a pasted `training` section is accepted and ignored.
 */
export interface AutoencoderTeacherConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * The teacher is an autoencoder.
   */
  model_type: "autoencoder";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Not read for a teacher.
   */
  sample_size?: number | null;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: AutoencoderModel;
  /**
   * Not read for a teacher (accepted so a complete config can be pasted).
   */
  training?: AutoencoderTraining | null;
}
/**
 * Reconstruction demos logged during training (a batch of up to 8 training examples, re-encoded and decoded).
 */
export interface AutoencoderDemo {
  /**
   * Steps between demos (a demo runs when (step - 1) % demo_every == 0).
   */
  demo_every?: number;
}
/**
 * A `diffusion_uncond` model + training config (stable-audio-tools 0.0.19): unconditional audio diffusion (Dance Diffusion), on raw audio or on pretransform latents.
 */
export interface DiffusionUncondConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the unconditional diffusion model, wrapper and demo callback.
   */
  model_type: "diffusion_uncond";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: DiffusionUncondModel;
  training: DiffusionUncondTraining;
}
/**
 * Dance Diffusion attention U-Net (the shipped dance_diffusion configs).
 */
export interface DiffusionUncondDAU1DModel {
  /**
   * Selects the `DAU1d` backbone.
   */
  type: "DAU1d";
  config?: DAU1DConfig;
  /**
   * Latent diffusion: the (frozen) pretransform whose latents are diffused; null = diffusion on raw audio.
   */
  pretransform?: Pretransform | null;
}
/**
 * Dance Diffusion attention U-Net (`DiffusionAttnUnet1D`, models/diffusion.py); every key optional.
 */
export interface DAU1DConfig {
  /**
   * Audio (or latent) channels of the signal.
   */
  io_channels?: number;
  /**
   * Number of U-Net levels.
   */
  depth?: number;
  /**
   * Self-attention in the innermost n levels.
   */
  n_attn_layers?: number;
  /**
   * Width per level (length >= depth).
   *
   * @minItems 1
   */
  channels?: [number, ...number[]];
  /**
   * Input-concat conditioning channels (for a diffusion autoencoder: the latent channels).
   */
  cond_dim?: number;
  /**
   * Noise-augment the input-concat conditioning.
   */
  cond_noise_aug?: boolean;
  /**
   * Convolution kernel size.
   */
  kernel_size?: number;
  /**
   * Learned resampling (required for any stride > 2).
   */
  learned_resample?: boolean;
  /**
   * Down/upsampling stride per level (length >= depth - 1).
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * Convolutions with bias.
   */
  conv_bias?: boolean;
  /**
   * Snake activations.
   */
  use_snake?: boolean;
}
/**
 * ADP 1-D U-Net (`UNet1DUncondWrapper`).
 */
export interface DiffusionUncondAdpModel {
  /**
   * Selects the `adp_uncond_1d` backbone.
   */
  type: "adp_uncond_1d";
  config: UNet1DConfig;
  /**
   * Latent diffusion: the (frozen) pretransform whose latents are diffused; null = diffusion on raw audio.
   */
  pretransform?: Pretransform | null;
}
/**
 * ADP 1-D U-Net (`UNet1d`, models/adp.py) used by adp_uncond_1d and adp_1d. Unknown keys fail upstream with AssertionError "Unknown arguments".
 */
export interface UNet1DConfig {
  /**
   * Input channels (the latent channels for latent diffusion).
   */
  in_channels: number;
  /**
   * Base width.
   */
  channels: number;
  /**
   * Width multiplier per level (one more entry than factors).
   *
   * @minItems 2
   */
  multipliers: [number, number, ...number[]];
  /**
   * Down/upsampling factor per level (length = len(multipliers) - 1). The model's minimum input length is their product (times the pretransform ratio).
   *
   * @minItems 1
   */
  factors: [number, ...number[]];
  /**
   * ResNet blocks per level (length = len(multipliers) - 1).
   *
   * @minItems 1
   */
  num_blocks: [number, ...number[]];
  /**
   * Transformer blocks per level (length >= len(multipliers) - 1; the last entry is used in the bottleneck). Any entry > 0 needs attention_multiplier and attention_heads or attention_features.
   *
   * @minItems 1
   */
  attentions: [number, ...number[]];
  /**
   * Input patching factor.
   */
  patch_size?: number;
  /**
   * GroupNorm groups of the ResNet blocks.
   */
  resnet_groups?: number;
  /**
   * Timestep embedding (keep true for diffusion).
   */
  use_context_time?: boolean;
  /**
   * Downsampling kernel = factor x this.
   */
  kernel_multiplier_downsample?: number;
  /**
   * Nearest-neighbour upsampling + conv instead of transposed conv.
   */
  use_nearest_upsample?: boolean;
  /**
   * Scale skip connections by 2^-0.5.
   */
  use_skip_scale?: boolean;
  /**
   * Operate on an STFT representation (enables the stft_* keys).
   */
  use_stft?: boolean;
  /**
   * Also STFT the input-concat context channels (with use_stft).
   */
  use_stft_context?: boolean;
  /**
   * Output channels; null = in_channels.
   */
  out_channels?: null | number;
  /**
   * Width of the global conditioning (the concatenated `global_cond_ids`); null = no global conditioning.
   */
  context_features?: null | number;
  /**
   * Mapping width = channels x this.
   */
  context_features_multiplier?: number;
  /**
   * Input-concat channels per level; the first entry is the channel count of `input_concat_ids` concatenated with the input. null = none.
   */
  context_channels?: null | number[];
  /**
   * Cross-attention token width; null = no cross-attention.
   */
  context_embedding_features?: null | number;
  /**
   * Attention heads (or give attention_features).
   */
  attention_heads?: null | number;
  /**
   * Features per attention head (or give attention_heads).
   */
  attention_features?: null | number;
  /**
   * Feed-forward multiplier of the transformer blocks (required when any `attentions` entry is > 0).
   */
  attention_multiplier?: null | number;
  /**
   * FFT size of the STFT representation (required with use_stft). Only accepted with use_stft: true.
   */
  stft_num_fft?: number;
  /**
   * STFT hop. Only accepted with use_stft: true.
   */
  stft_hop_length?: number;
  /**
   * STFT window; null = stft_num_fft. Only accepted with use_stft: true.
   */
  stft_window_length?: null | number;
  /**
   * Output length of the inverse STFT; null = inferred. Only accepted with use_stft: true.
   */
  stft_length?: null | number;
  /**
   * Complex STFT instead of magnitude/phase. Only accepted with use_stft: true.
   */
  stft_use_complex?: boolean;
}
/**
 * Diffusion transformer (`DiTUncondWrapper`).
 */
export interface DiffusionUncondDitModel {
  /**
   * Selects the `dit` backbone.
   */
  type: "dit";
  config: DitUncondConfig;
  /**
   * Latent diffusion: the (frozen) pretransform whose latents are diffused; null = diffusion on raw audio.
   */
  pretransform?: Pretransform | null;
}
/**
 * Diffusion transformer (DiTUncondWrapper -> DiffusionTransformer -> ContinuousTransformer) for unconditional diffusion. `io_channels` is rejected (set from in_channels). dim, dim_heads, dim_in, dim_out, cross_attend are set by the DiT and rejected; cond_token_dim/global_cond_dim are the DiT's own keys above.
 */
export interface DitUncondConfig {
  /**
   * Audio (or latent) channels of the signal; becomes the transformer's io_channels.
   */
  in_channels: number;
  /**
   * Frames per transformer token.
   */
  patch_size?: number;
  /**
   * Transformer width (must be divisible by num_heads).
   */
  embed_dim?: number;
  /**
   * Width of the cross-attention tokens (the conditioners' output_dim, i.e. `conditioning.cond_dim`); > 0 enables cross-attention.
   */
  cond_token_dim?: number;
  /**
   * Project cross-attention tokens to embed_dim (false keeps cond_token_dim).
   */
  project_cond_tokens?: boolean;
  /**
   * Total width of the concatenated `global_cond_ids` conditioning; > 0 enables global conditioning.
   */
  global_cond_dim?: number;
  /**
   * Project global conditioning to embed_dim (false requires global_cond_dim = embed_dim).
   */
  project_global_cond?: boolean;
  /**
   * Total channels of `input_concat_ids` conditioning (e.g. 1 + io_channels for inpainting, the latent channels for a diffusion autoencoder).
   */
  input_concat_dim?: number;
  /**
   * Width of the prepended conditioning tokens (`prepend_cond_ids`).
   */
  prepend_cond_dim?: number;
  /**
   * Number of transformer blocks.
   */
  depth?: number;
  /**
   * Attention heads (head width = embed_dim / num_heads).
   */
  num_heads?: number;
  /**
   * Transformer implementation (the only one upstream supports).
   */
  transformer_type?: "continuous_transformer";
  /**
   * How the global + timestep embedding enters the transformer.
   */
  global_cond_type?: "prepend" | "adaLN";
  /**
   * Where the timestep embedding goes.
   */
  timestep_cond_type?: "global" | "input_concat";
  /**
   * Width of the timestep embedding with timestep_cond_type input_concat (required then); ignored otherwise.
   */
  timestep_embed_dim?: null | number;
  /**
   * Objective the transformer assumes for its CFG interval. The unconditional wrapper always trains with the v-objective, so keep "v".
   */
  diffusion_objective?: "v" | "rectified_flow" | "rf_denoiser";
  /**
   * Causal self-attention in every block.
   */
  causal?: boolean;
  /**
   * Index of the last block with cross-attention (-1 = every block).
   */
  final_cross_attn_ix?: number;
  /**
   * Rotary position embeddings.
   */
  rotary_pos_emb?: boolean;
  /**
   * Zero-initialise the attention and feed-forward output layers.
   */
  zero_init_branch_outputs?: boolean;
  /**
   * Add a conformer convolution module to every block.
   */
  conformer?: boolean;
  /**
   * Add scaled sinusoidal absolute position embeddings.
   */
  use_sinusoidal_emb?: boolean;
  /**
   * Add learned absolute position embeddings.
   */
  use_abs_pos_emb?: boolean;
  /**
   * Maximum sequence length of the learned absolute positions.
   */
  abs_pos_emb_max_length?: number;
  /**
   * Learned memory tokens prepended to the sequence.
   */
  num_memory_tokens?: number;
  /**
   * Local attention window [left, right] in tokens (needs the optional flash_attn package); null = full attention.
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: null | [number, number];
  /**
   * Replace the LayerNorms by DynamicTanh.
   */
  remove_norms?: boolean;
  /**
   * Per-block rotary embedding.
   */
  add_rope?: boolean;
  /**
   * LayerScale on the residual branches (turns zero-init off).
   */
  layer_scale?: boolean;
  attn_kwargs?: TransformerAttnKwargs;
  ff_kwargs?: TransformerFfKwargs;
  norm_kwargs?: TransformerNormKwargs;
}
/**
 * Extra arguments of every attention layer (`Attention` in models/transformer.py). dim, dim_heads, dim_context, causal and zero_init_output are set by the caller and rejected.
 */
export interface TransformerAttnKwargs {
  /**
   * Normalisation of queries and keys before the dot product.
   */
  qk_norm?: "none" | "l2" | "ln" | "dyt";
  /**
   * Differential attention (two softmax maps, one subtracted).
   */
  differential?: boolean;
  /**
   * Learned per-feature scaling of the attention output.
   */
  feat_scale?: boolean;
}
/**
 * Extra arguments of every feed-forward layer (`FeedForward`). dim and zero_init_output are set by the caller and rejected.
 */
export interface TransformerFfKwargs {
  /**
   * Output width; null = the block width.
   */
  dim_out?: null | number;
  /**
   * Hidden width = block width x mult.
   */
  mult?: number;
  /**
   * Linear/conv layers without bias.
   */
  no_bias?: boolean;
  /**
   * SwiGLU input projection (false: linear + SiLU).
   */
  glu?: boolean;
  /**
   * 1-D convolutions instead of linear layers (only without glu).
   */
  use_conv?: boolean;
  /**
   * Kernel size with use_conv.
   */
  conv_kernel_size?: number;
}
/**
 * Extra arguments of every LayerNorm (`LayerNorm` in models/transformer.py; dim is set by the caller).
 */
export interface TransformerNormKwargs {
  /**
   * Learn a bias (upstream's LayerNorm is bias-free by default).
   */
  bias?: boolean;
  /**
   * Fixed (non-learned) unit scale.
   */
  fix_scale?: boolean;
  /**
   * Compute the normalisation in float32.
   */
  force_fp32?: boolean;
  /**
   * Variance epsilon.
   */
  eps?: number;
}
/**
 * Training options of the unconditional wrapper: v-objective, uniform (Sobol) timesteps, Adam at learning_rate, EMA always on (beta 0.9999); nothing else is configurable.
 */
export interface DiffusionUncondTraining {
  /**
   * Adam learning rate (required: upstream indexes it).
   */
  learning_rate: number;
  /**
   * The dataset yields pre-encoded latents: the pretransform's encode is skipped (latents are still divided by its scale).
   */
  pre_encoded?: boolean;
  demo?: DiffusionDemo;
}
/**
 * Demos (unconditional generations, or reconstructions for a diffusion autoencoder).
 */
export interface DiffusionDemo {
  /**
   * Steps between demos (a demo runs when (step - 1) % demo_every == 0).
   */
  demo_every?: number;
  /**
   * Sampler steps per demo.
   */
  demo_steps?: number;
}
/**
 * A `diffusion_cond` model + training config (stable-audio-tools 0.0.19): text/metadata-conditioned audio diffusion (Stable Audio), trained by the standard conditional wrapper or, with `training.arc`, by ARC post-training.
 */
export interface DiffusionCondConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the conditional diffusion model, wrapper and demo callback.
   */
  model_type: "diffusion_cond";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: DiffusionCondModel;
  training: DiffusionCondTraining;
}
/**
 * A conditional diffusion model (`create_diffusion_cond_from_config`): backbone, conditioners and an optional pretransform (latent diffusion).
 */
export interface DiffusionCondModel {
  diffusion: CondDiffusion;
  /**
   * Channels of the diffusion input: the pretransform's latent channels, or the audio channels without one.
   */
  io_channels: number;
  /**
   * Latent diffusion: the (frozen) pretransform whose latents are diffused; also usable by pretransform/source_mix conditioners. null = diffusion on raw audio.
   */
  pretransform?: Pretransform | null;
  conditioning: Conditioning;
}
/**
 * ADP U-Net with cross-attention CFG (Stable Audio 1.0).
 */
export interface CondDiffusionAdpCfg {
  /**
   * Selects the `adp_cfg_1d` backbone.
   */
  type: "adp_cfg_1d";
  config: UNetCfg1DConfig;
  /**
   * Training/sampling parameterisation (for a DiT also forwarded into the backbone, so it must not appear inside `config`).
   */
  diffusion_objective?: "v" | "rectified_flow" | "rf_denoiser";
  /**
   * Conditioner ids concatenated along the sequence into cross-attention tokens.
   */
  cross_attention_cond_ids?: string[];
  /**
   * Conditioner ids concatenated along channels into the global embedding (their total width is the backbone's global_cond_dim / context_features).
   */
  global_cond_ids?: string[];
  /**
   * Conditioner ids (or the inpainting pseudo-ids `inpaint_mask`, `inpaint_masked_input`) concatenated along channels with the noisy input (interpolated to its length).
   */
  input_concat_ids?: string[];
  /**
   * Conditioner ids prepended as tokens (DiT only). The adp_cfg_1d backbone has no such input: must stay empty.
   *
   * @maxItems 0
   */
  prepend_cond_ids?: [];
  /**
   * Sequence-length-dependent timestep shift used in training and sampling; null = none.
   */
  distribution_shift_options?: DistributionShiftOptions | null;
}
/**
 * ADP 1-D U-Net with classifier-free guidance on cross-attention (`UNetCFG1d`) used by adp_cfg_1d: every UNet1d key plus context_embedding_max_length, context_embedding_features (both required) and use_xattn_time.
 */
export interface UNetCfg1DConfig {
  /**
   * Input channels (the latent channels for latent diffusion).
   */
  in_channels: number;
  /**
   * Base width.
   */
  channels: number;
  /**
   * Width multiplier per level (one more entry than factors).
   *
   * @minItems 2
   */
  multipliers: [number, number, ...number[]];
  /**
   * Down/upsampling factor per level (length = len(multipliers) - 1). The model's minimum input length is their product (times the pretransform ratio).
   *
   * @minItems 1
   */
  factors: [number, ...number[]];
  /**
   * ResNet blocks per level (length = len(multipliers) - 1).
   *
   * @minItems 1
   */
  num_blocks: [number, ...number[]];
  /**
   * Transformer blocks per level (length >= len(multipliers) - 1; the last entry is used in the bottleneck). Any entry > 0 needs attention_multiplier and attention_heads or attention_features.
   *
   * @minItems 1
   */
  attentions: [number, ...number[]];
  /**
   * Input patching factor.
   */
  patch_size?: number;
  /**
   * GroupNorm groups of the ResNet blocks.
   */
  resnet_groups?: number;
  /**
   * Timestep embedding (keep true for diffusion).
   */
  use_context_time?: boolean;
  /**
   * Downsampling kernel = factor x this.
   */
  kernel_multiplier_downsample?: number;
  /**
   * Nearest-neighbour upsampling + conv instead of transposed conv.
   */
  use_nearest_upsample?: boolean;
  /**
   * Scale skip connections by 2^-0.5.
   */
  use_skip_scale?: boolean;
  /**
   * Operate on an STFT representation (enables the stft_* keys).
   */
  use_stft?: boolean;
  /**
   * Also STFT the input-concat context channels (with use_stft).
   */
  use_stft_context?: boolean;
  /**
   * Output channels; null = in_channels.
   */
  out_channels?: null | number;
  /**
   * Width of the global conditioning (the concatenated `global_cond_ids`); null = no global conditioning.
   */
  context_features?: null | number;
  /**
   * Mapping width = channels x this.
   */
  context_features_multiplier?: number;
  /**
   * Input-concat channels per level; the first entry is the channel count of `input_concat_ids` concatenated with the input. null = none.
   */
  context_channels?: null | number[];
  /**
   * Cross-attention token width: the conditioners' output_dim (`conditioning.cond_dim`).
   */
  context_embedding_features: number;
  /**
   * Attention heads (or give attention_features).
   */
  attention_heads?: null | number;
  /**
   * Features per attention head (or give attention_heads).
   */
  attention_features?: null | number;
  /**
   * Feed-forward multiplier of the transformer blocks (required when any `attentions` entry is > 0).
   */
  attention_multiplier?: null | number;
  /**
   * FFT size of the STFT representation (required with use_stft). Only accepted with use_stft: true.
   */
  stft_num_fft?: number;
  /**
   * STFT hop. Only accepted with use_stft: true.
   */
  stft_hop_length?: number;
  /**
   * STFT window; null = stft_num_fft. Only accepted with use_stft: true.
   */
  stft_window_length?: null | number;
  /**
   * Output length of the inverse STFT; null = inferred. Only accepted with use_stft: true.
   */
  stft_length?: null | number;
  /**
   * Complex STFT instead of magnitude/phase. Only accepted with use_stft: true.
   */
  stft_use_complex?: boolean;
  /**
   * Number of cross-attention tokens: the total sequence length of all `cross_attention_cond_ids` (e.g. 77 text tokens + 2 timing tokens = 79).
   */
  context_embedding_max_length: number;
  /**
   * Append a timestep token to the cross-attention sequence.
   */
  use_xattn_time?: boolean;
}
/**
 * Timestep shift (`DistributionShift`, inference/sampling.py): the latent length, clamped to [min_length, max_length], is mapped linearly to a shift between base_shift and max_shift.
 */
export interface DistributionShiftOptions {
  /**
   * Shift at min_length.
   */
  base_shift?: number;
  /**
   * Shift at max_length.
   */
  max_shift?: number;
  /**
   * Latent length mapped to max_shift (must be > min_length).
   */
  max_length?: number;
  /**
   * Latent length mapped to base_shift.
   */
  min_length?: number;
  /**
   * Additional sine warp of the shifted t.
   */
  use_sine?: boolean;
}
/**
 * ADP U-Net with global and input-concat conditioning only.
 */
export interface CondDiffusionAdp {
  /**
   * Selects the `adp_1d` backbone.
   */
  type: "adp_1d";
  config: UNet1DConfig;
  /**
   * Training/sampling parameterisation (for a DiT also forwarded into the backbone, so it must not appear inside `config`).
   */
  diffusion_objective?: "v" | "rectified_flow" | "rf_denoiser";
  /**
   * Conditioner ids concatenated along the sequence into cross-attention tokens. The adp_1d backbone has no such input: must stay empty.
   *
   * @maxItems 0
   */
  cross_attention_cond_ids?: [];
  /**
   * Conditioner ids concatenated along channels into the global embedding (their total width is the backbone's global_cond_dim / context_features).
   */
  global_cond_ids?: string[];
  /**
   * Conditioner ids (or the inpainting pseudo-ids `inpaint_mask`, `inpaint_masked_input`) concatenated along channels with the noisy input (interpolated to its length).
   */
  input_concat_ids?: string[];
  /**
   * Conditioner ids prepended as tokens (DiT only). The adp_1d backbone has no such input: must stay empty.
   *
   * @maxItems 0
   */
  prepend_cond_ids?: [];
  /**
   * Sequence-length-dependent timestep shift used in training and sampling; null = none.
   */
  distribution_shift_options?: DistributionShiftOptions | null;
}
/**
 * Diffusion transformer (Stable Audio 2.0 / Open); required for ARC.
 */
export interface CondDiffusionDit {
  /**
   * Selects the `dit` backbone.
   */
  type: "dit";
  config: DitCondConfig;
  /**
   * Training/sampling parameterisation (for a DiT also forwarded into the backbone, so it must not appear inside `config`).
   */
  diffusion_objective?: "v" | "rectified_flow" | "rf_denoiser";
  /**
   * Conditioner ids concatenated along the sequence into cross-attention tokens.
   */
  cross_attention_cond_ids?: string[];
  /**
   * Conditioner ids concatenated along channels into the global embedding (their total width is the backbone's global_cond_dim / context_features).
   */
  global_cond_ids?: string[];
  /**
   * Conditioner ids (or the inpainting pseudo-ids `inpaint_mask`, `inpaint_masked_input`) concatenated along channels with the noisy input (interpolated to its length).
   */
  input_concat_ids?: string[];
  /**
   * Conditioner ids prepended as tokens (DiT only).
   */
  prepend_cond_ids?: string[];
  /**
   * Sequence-length-dependent timestep shift used in training and sampling; null = none.
   */
  distribution_shift_options?: DistributionShiftOptions | null;
}
/**
 * Diffusion transformer (DiTWrapper -> DiffusionTransformer -> ContinuousTransformer) for conditional diffusion. `diffusion_objective` is rejected here: the factory passes `model.diffusion.diffusion_objective` itself (a second value raises TypeError). dim, dim_heads, dim_in, dim_out, cross_attend are set by the DiT and rejected; cond_token_dim/global_cond_dim are the DiT's own keys above.
 */
export interface DitCondConfig {
  /**
   * Channels of the signal the transformer denoises; must equal `model.io_channels` (the latent channels with a pretransform).
   */
  io_channels?: number;
  /**
   * Frames per transformer token.
   */
  patch_size?: number;
  /**
   * Transformer width (must be divisible by num_heads).
   */
  embed_dim?: number;
  /**
   * Width of the cross-attention tokens (the conditioners' output_dim, i.e. `conditioning.cond_dim`); > 0 enables cross-attention.
   */
  cond_token_dim?: number;
  /**
   * Project cross-attention tokens to embed_dim (false keeps cond_token_dim).
   */
  project_cond_tokens?: boolean;
  /**
   * Total width of the concatenated `global_cond_ids` conditioning; > 0 enables global conditioning.
   */
  global_cond_dim?: number;
  /**
   * Project global conditioning to embed_dim (false requires global_cond_dim = embed_dim).
   */
  project_global_cond?: boolean;
  /**
   * Total channels of `input_concat_ids` conditioning (e.g. 1 + io_channels for inpainting, the latent channels for a diffusion autoencoder).
   */
  input_concat_dim?: number;
  /**
   * Width of the prepended conditioning tokens (`prepend_cond_ids`).
   */
  prepend_cond_dim?: number;
  /**
   * Number of transformer blocks.
   */
  depth?: number;
  /**
   * Attention heads (head width = embed_dim / num_heads).
   */
  num_heads?: number;
  /**
   * Transformer implementation (the only one upstream supports).
   */
  transformer_type?: "continuous_transformer";
  /**
   * How the global + timestep embedding enters the transformer.
   */
  global_cond_type?: "prepend" | "adaLN";
  /**
   * Where the timestep embedding goes.
   */
  timestep_cond_type?: "global" | "input_concat";
  /**
   * Width of the timestep embedding with timestep_cond_type input_concat (required then); ignored otherwise.
   */
  timestep_embed_dim?: null | number;
  /**
   * Causal self-attention in every block.
   */
  causal?: boolean;
  /**
   * Index of the last block with cross-attention (-1 = every block).
   */
  final_cross_attn_ix?: number;
  /**
   * Rotary position embeddings.
   */
  rotary_pos_emb?: boolean;
  /**
   * Zero-initialise the attention and feed-forward output layers.
   */
  zero_init_branch_outputs?: boolean;
  /**
   * Add a conformer convolution module to every block.
   */
  conformer?: boolean;
  /**
   * Add scaled sinusoidal absolute position embeddings.
   */
  use_sinusoidal_emb?: boolean;
  /**
   * Add learned absolute position embeddings.
   */
  use_abs_pos_emb?: boolean;
  /**
   * Maximum sequence length of the learned absolute positions.
   */
  abs_pos_emb_max_length?: number;
  /**
   * Learned memory tokens prepended to the sequence.
   */
  num_memory_tokens?: number;
  /**
   * Local attention window [left, right] in tokens (needs the optional flash_attn package); null = full attention.
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: null | [number, number];
  /**
   * Replace the LayerNorms by DynamicTanh.
   */
  remove_norms?: boolean;
  /**
   * Per-block rotary embedding.
   */
  add_rope?: boolean;
  /**
   * LayerScale on the residual branches (turns zero-init off).
   */
  layer_scale?: boolean;
  attn_kwargs?: TransformerAttnKwargs;
  ff_kwargs?: TransformerFfKwargs;
  norm_kwargs?: TransformerNormKwargs;
}
/**
 * Conditioners (`MultiConditioner`) turning each item's metadata into conditioning tensors, referenced by id from the model's `*_cond_ids` lists. Every id (or its default_keys fallback) must be present in each metadata item of the dataset.
 */
export interface Conditioning {
  /**
   * Default output_dim of every conditioner (the width the backbone's cond_token_dim / context_embedding_features must match).
   */
  cond_dim: number;
  /**
   * Fallbacks: conditioner id -> metadata key used when a metadata item lacks the id.
   */
  default_keys?: {
    [k: string]: string;
  };
  /**
   * Conditioner ids whose metadata already holds tensors: they are stacked and passed with a null mask (only usable in input_concat_ids and global_cond_ids).
   */
  pre_encoded_keys?: string[];
  /**
   * The conditioners.
   */
  configs: ConditionerSpec[];
}
/**
 * T5 text encoder.
 */
export interface T5Conditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `t5` conditioner.
   */
  type: "t5";
  config: T5ConditionerConfig;
}
/**
 * T5 text encoder (`T5Conditioner`): token features, padded to max_length.
 */
export interface T5ConditionerConfig {
  /**
   * Hugging Face T5 checkpoint (the 12 names upstream admits; google/flan-t5-3b and -11b are listed in its dims table but rejected by its assert).
   */
  t5_model_name?:
    | "t5-small"
    | "t5-base"
    | "t5-large"
    | "t5-3b"
    | "t5-11b"
    | "google/flan-t5-small"
    | "google/flan-t5-base"
    | "google/flan-t5-large"
    | "google/flan-t5-xl"
    | "google/flan-t5-xxl"
    | "google/t5-v1_1-xl"
    | "google/t5-v1_1-xxl";
  /**
   * Tokens per prompt (padded/truncated to this).
   */
  max_length?: number;
  /**
   * Fine-tune T5 (and store it in checkpoints).
   */
  enable_grad?: boolean;
  /**
   * Force a linear projection even when dims match.
   */
  project_out?: boolean;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * LAION-CLAP text encoder.
 */
export interface ClapTextConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `clap_text` conditioner.
   */
  type: "clap_text";
  config: ClapTextConditionerConfig;
}
/**
 * LAION-CLAP text encoder (`CLAPTextConditioner`, needs laion_clap). `enable_grad` (documented upstream) is not a parameter: the key is `finetune`.
 */
export interface ClapTextConditionerConfig {
  /**
   * Path of the LAION-CLAP checkpoint (loaded with weights_only=False: only use trusted files).
   */
  clap_ckpt_path: string;
  /**
   * Per-token features (width 768) instead of one pooled embedding (512).
   */
  use_text_features?: boolean;
  /**
   * Hidden layer taken with use_text_features (-1 = last).
   */
  feature_layer_ix?: number;
  /**
   * LAION-CLAP audio model name of the checkpoint.
   */
  audio_model_type?: string;
  /**
   * The checkpoint uses feature fusion.
   */
  enable_fusion?: boolean;
  /**
   * Force a linear projection even when dims match.
   */
  project_out?: boolean;
  /**
   * Train the CLAP text branch.
   */
  finetune?: boolean;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * `clap_audio` cannot be built: CLAPAudioConditioner reads self.finetune before setting it (AttributeError, stable-audio-tools 0.0.19). Described for reference but rejected.
 */
export interface ClapAudioConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * `clap_audio` cannot be built: CLAPAudioConditioner reads self.finetune before setting it (AttributeError, stable-audio-tools 0.0.19). Described for reference but rejected.
   */
  type: "clap_audio";
  config: ClapAudioConditionerConfig;
}
/**
 * LAION-CLAP audio encoder (`CLAPAudioConditioner`). `clap_audio` cannot be built: CLAPAudioConditioner reads self.finetune before setting it (AttributeError, stable-audio-tools 0.0.19). Described for reference but rejected.
 */
export interface ClapAudioConditionerConfig {
  /**
   * Path of the LAION-CLAP checkpoint.
   */
  clap_ckpt_path: string;
  /**
   * LAION-CLAP audio model name.
   */
  audio_model_type?: string;
  /**
   * The checkpoint uses feature fusion.
   */
  enable_fusion?: boolean;
  /**
   * Force a linear projection.
   */
  project_out?: boolean;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Integer embedding (e.g. seconds_start).
 */
export interface IntConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `int` conditioner.
   */
  type: "int";
  config: IntConditionerConfig;
}
/**
 * Learned embedding per integer (`IntConditioner`); inputs are clamped to [min_val, max_val].
 */
export interface IntConditionerConfig {
  /**
   * Smallest value.
   */
  min_val?: number;
  /**
   * Largest value (one embedding per integer in between).
   */
  max_val?: number;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Number embedding (e.g. seconds_total).
 */
export interface NumberConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `number` conditioner.
   */
  type: "number";
  config: NumberConditionerConfig;
}
/**
 * Fourier embedding of a number (`NumberConditioner`); inputs are clamped to [min_val, max_val] and normalised.
 */
export interface NumberConditionerConfig {
  /**
   * Smallest value.
   */
  min_val?: number;
  /**
   * Largest value.
   */
  max_val?: number;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Embedding of one of a list of strings.
 */
export interface ListConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `list` conditioner.
   */
  type: "list";
  config: ListConditionerConfig;
}
/**
 * Learned embedding per option string (`ListConditioner`); unknown strings share one extra embedding.
 */
export interface ListConditionerConfig {
  /**
   * The known option strings.
   */
  options: string[];
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Phoneme embedding (needs g2p_en).
 */
export interface PhonemeConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `phoneme` conditioner.
   */
  type: "phoneme";
  config: PhonemeConditionerConfig;
}
/**
 * Phonemes of the text via g2p_en (`PhonemeConditioner`; needs the g2p_en package).
 */
export interface PhonemeConditionerConfig {
  /**
   * Stored but unused upstream.
   */
  max_length?: number;
  /**
   * Force a linear projection.
   */
  project_out?: boolean;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Tokenizer lookup-table embedding.
 */
export interface LutConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `lut` conditioner.
   */
  type: "lut";
  config: LutConditionerConfig;
}
/**
 * Learned lookup table over a Hugging Face tokenizer's ids (`TokenizerLUTConditioner`).
 */
export interface LutConditionerConfig {
  /**
   * Hugging Face tokenizer name.
   */
  tokenizer_name: string;
  /**
   * Tokens per text.
   */
  max_length?: number;
  /**
   * Add learned absolute position embeddings.
   */
  use_abs_pos_emb?: boolean;
  /**
   * Force a linear projection.
   */
  project_out?: boolean;
  /**
   * Extra special tokens added to the tokenizer.
   */
  special_tokens?: string[];
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Audio encoded by a pretransform.
 */
export interface PretransformConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `pretransform` conditioner.
   */
  type: "pretransform";
  config: PretransformConditionerConfig;
}
/**
 * Audio conditioning encoded by a pretransform (`PretransformConditioner`).
 */
export interface PretransformConditionerConfig {
  /**
   * Sample rate of the conditioning audio (required even with use_model_pretransform).
   */
  sample_rate: number;
  /**
   * Reuse the model's own `model.pretransform` (which must exist) instead of building `pretransform_config`.
   */
  use_model_pretransform?: boolean;
  /**
   * The pretransform that encodes the conditioning audio (required unless use_model_pretransform).
   */
  pretransform_config?: Pretransform | null;
  /**
   * Optional checkpoint (.ckpt or .safetensors) loaded into the pretransform. With use_model_pretransform it overwrites the weights of the model's own pretransform (shared object).
   */
  pretransform_ckpt_path?: null | string;
  /**
   * Store the pretransform's weights in checkpoints.
   */
  save_pretransform?: boolean;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Mix of audio sources encoded by a pretransform.
 */
export interface SourceMixConditioner {
  /**
   * Metadata key this conditioner reads (or falls back to via `default_keys`) and the name used in the `*_cond_ids` lists. Unique within `configs`.
   */
  id: string;
  /**
   * Selects the `source_mix` conditioner.
   */
  type: "source_mix";
  config: SourceMixConditionerConfig;
}
/**
 * Mix of several audio sources from a metadata dict, each encoded by a pretransform and projected by its own 1x1 conv (`SourceMixConditioner`).
 */
export interface SourceMixConditionerConfig {
  /**
   * Sample rate of the conditioning audio (required even with use_model_pretransform).
   */
  sample_rate: number;
  /**
   * Reuse the model's own `model.pretransform` (which must exist) instead of building `pretransform_config`.
   */
  use_model_pretransform?: boolean;
  /**
   * The pretransform that encodes the conditioning audio (required unless use_model_pretransform).
   */
  pretransform_config?: Pretransform | null;
  /**
   * Optional checkpoint (.ckpt or .safetensors) loaded into the pretransform. With use_model_pretransform it overwrites the weights of the model's own pretransform (shared object).
   */
  pretransform_ckpt_path?: null | string;
  /**
   * Store the pretransform's weights in checkpoints.
   */
  save_pretransform?: boolean;
  /**
   * Keys of the sources inside the metadata dict (one conv head each).
   */
  source_keys?: string[];
  /**
   * The sources are already latents.
   */
  pre_encoded?: boolean;
  /**
   * Learn a null source used when a source is missing (needs source_length).
   */
  allow_null_source?: boolean;
  /**
   * Latent length of the null source (required with allow_null_source).
   */
  source_length?: null | number;
  /**
   * Output width of this conditioner; absent = `conditioning.cond_dim`.
   */
  output_dim?: null | number;
}
/**
 * Training options of diffusion_cond: the standard conditional wrapper, or ARC post-training when `arc` is present (keys the active wrapper does not read are rejected).
 */
export interface DiffusionCondTraining {
  /**
   * Learning rate of the default optimizer (Adam). Used only when optimizer_configs is absent (then it is required); ignored with a warning otherwise. Not read under ARC.
   */
  learning_rate?: null | number;
  /**
   * Keep an EMA (beta 0.9999) of the backbone for demos and export.
   */
  use_ema?: boolean;
  /**
   * Explicit optimizers/schedulers; null = Adam at learning_rate. Required under ARC (groups diffusion + discriminator).
   */
  optimizer_configs?: CondOptimizerConfigs | null;
  /**
   * Mask the loss with the dataset's padding mask and pass it to the model.
   */
  mask_padding?: boolean;
  /**
   * Probability of not using the padding mask on a step.
   */
  mask_padding_dropout?: number;
  /**
   * Log the loss per noise-level bucket (10 buckets).
   */
  log_loss_info?: boolean;
  /**
   * The dataset yields pre-encoded latents: the pretransform's encode is skipped (latents are still divided by its scale).
   */
  pre_encoded?: boolean;
  /**
   * Classifier-free guidance dropout: probability of replacing the conditioning with nulls.
   */
  cfg_dropout_prob?: number;
  /**
   * Training distribution of t.
   */
  timestep_sampler?: "uniform" | "logit_normal" | "trunc_logit_normal" | "log_snr";
  timestep_sampler_options?: TimestepSamplerOptions;
  /**
   * Probability of forcing t = 1 (pure noise) for a sample.
   */
  p_one_shot?: number;
  /**
   * Random inpainting masks on every step; null = off.
   */
  inpainting?: InpaintingConfig | null;
  /**
   * ARC post-training: present = the ARC wrapper trains this model (DiT backbone required).
   */
  arc?: ArcConfig | null;
  /**
   * ARC only: gradient-norm clipping of both optimizers (0 = off).
   */
  clip_grad_norm?: number;
  /**
   * ARC only: random trimming of latent batches; null = off.
   */
  trim_config?: ArcTrimConfig | null;
  demo: DiffusionCondDemo;
}
/**
 * Optimizers of a conditional diffusion wrapper: `diffusion` (the model); under ARC also `discriminator` (head + discriminator base). Under ARC schedulers are used only when both groups define one.
 */
export interface CondOptimizerConfigs {
  diffusion: OptimizerGroup;
  /**
   * ARC only (required there): optimizer of the discriminator head and base. Not read by the standard wrapper, so rejected without `training.arc`.
   */
  discriminator?: OptimizerGroup | null;
}
/**
 * Options of the log_snr timestep sampler (only read with timestep_sampler "log_snr").
 */
export interface TimestepSamplerOptions {
  /**
   * Mean of the logSNR Gaussian.
   */
  mean_logsnr?: number;
  /**
   * Standard deviation of the logSNR Gaussian.
   */
  std_logsnr?: number;
}
/**
 * Enables random inpainting masks on every training step. The wrapper adds two pseudo-conditioning inputs, `inpaint_mask` (1 channel) and `inpaint_masked_input` (io_channels), which reach the model only when listed in `model.diffusion.input_concat_ids`.
 */
export interface InpaintingConfig {
  mask_kwargs?: InpaintingMaskConfig;
}
/**
 * Random inpainting-mask options (`models/inpainting.py`).
 */
export interface InpaintingMaskConfig {
  /**
   * Maximum number of masked segments for the random-segments mask type.
   */
  max_mask_segments?: number;
  /**
   * Probabilities of the three mask types, in order: random segments, full mask, causal mask. Must sum to 1.
   *
   * @minItems 3
   * @maxItems 3
   */
  mask_type_probabilities?: [number, number, number];
}
/**
 * ARC (adversarial relativistic-contrastive) post-training. The presence of `training.arc` switches diffusion_cond / diffusion_cond_inpaint training to the ARC wrapper, which needs DiT backbones, a discriminator base and optimizer_configs with `diffusion` and `discriminator` groups.
 */
export interface ArcConfig {
  /**
   * Frozen teacher for ODE warm-up (a complete model config); null = none (or use_model_as_teacher).
   */
  teacher_model?: ArcModelConfig | null;
  /**
   * Without teacher_model, build the teacher from this very config (loads every conditioner again).
   */
  use_model_as_teacher?: boolean;
  /**
   * Lightning .ckpt whose state_dict holds the teacher's weights (weights_only, non-strict). Required whenever a teacher is built.
   */
  teacher_model_ckpt?: null | string;
  /**
   * Base diffusion model (a complete model config with a dit backbone) whose hidden states feed the discriminator head; null = use_model_as_discriminator.
   */
  discriminator_base_model?: ArcModelConfig | null;
  /**
   * Without discriminator_base_model, build the discriminator base from this very config.
   */
  use_model_as_discriminator?: boolean;
  /**
   * Optional .ckpt with the discriminator base's weights (weights_only, non-strict); null = as initialised.
   */
  discriminator_base_ckpt?: null | string;
  /**
   * ODE warm-up; null = none.
   */
  ode_warmup?: ArcOdeWarmup | null;
  /**
   * Read by upstream's ARC wrapper but never used: it has no effect (a warning says so). Few-step sampling of the ARC demo is set by `training.demo.demo_steps`.
   */
  sampling?: {
    [k: string]: unknown;
  };
  noise_dist?: ArcNoiseDist;
  discriminator: ArcDiscriminator;
}
/**
 * A complete diffusion_cond / diffusion_cond_inpaint model config (as in its own file) for an ARC teacher or discriminator base. model_type, sample_rate and model are read; a pasted `training` section is accepted and ignored.
 */
export interface ArcModelConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Model type of this model.
   */
  model_type: "diffusion_cond" | "diffusion_cond_inpaint";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Not read here.
   */
  sample_size?: number | null;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: DiffusionCondModel;
  /**
   * Free-form: not read for this model (accepted so a complete config can be pasted).
   */
  training?: null | {
    [k: string]: unknown;
  };
}
/**
 * ODE warm-up: the student first regresses onto teacher ODE trajectories (needs a teacher).
 */
export interface ArcOdeWarmup {
  /**
   * Number of warm-up steps (0 = none).
   */
  warmup_steps?: number;
  /**
   * Regenerate teacher trajectories every N steps.
   */
  refresh_rate?: number;
  /**
   * Teacher DPM++ sampling steps (logSNR schedule -6..2).
   */
  sampling_steps?: number;
  /**
   * Teacher classifier-free guidance scale.
   */
  cfg?: number;
}
/**
 * Timestep distributions of the ARC steps.
 */
export interface ArcNoiseDist {
  /**
   * t distribution of the student (generator) step.
   */
  generator?: "uniform" | "logit_normal" | "trunc_logit_normal" | "one_shot" | "denoised" | "logsnr_uniform";
  /**
   * t distribution for re-noising before the discriminator.
   */
  discriminator?: "uniform" | "logit_normal" | "trunc_logit_normal" | "one_shot" | "denoised" | "logsnr_uniform";
}
/**
 * ConvNeXt discriminator head (the default when `type` is absent).
 */
export interface ArcConvNeXtDiscriminator {
  /**
   * Index of the DiT block whose hidden states feed the head (0 .. depth - 1 of the discriminator base). Required (asserted).
   */
  dit_hidden_layer: number;
  /**
   * Head architecture: ConvNeXt encoder (default).
   */
  type?: "convnext";
  config?: ArcConvNeXtHeadConfig;
  /**
   * Add a contrastive term: each item's metadata `prompt` is rolled by one within the batch as a mismatched condition (the dataset must provide `prompt`).
   */
  contrastive?: boolean;
  /**
   * Approximate R1/R2 gradient penalties (noise std 0.05).
   */
  include_grad_penalties?: boolean;
  weights?: ArcDiscriminatorWeights;
}
/**
 * ConvNeXt discriminator head (`ConvNeXtDiscriminator` -> `ConvNeXtEncoder`). in_channels (the DiT width) and latent_dim (1) are set by the wrapper and rejected.
 */
export interface ArcConvNeXtHeadConfig {
  /**
   * Stored but unused: ARC computes its own relativistic loss.
   */
  loss_type?: "lsgan" | "relativistic";
  /**
   * Base width.
   */
  channels?: number;
  /**
   * Width multiplier per stage.
   *
   * @minItems 1
   */
  c_mults?: [number, ...number[]];
  /**
   * Downsampling per stage.
   *
   * @minItems 1
   */
  strides?: [number, ...number[]];
  /**
   * ConvNeXt blocks per stage; null = 3 each.
   */
  num_blocks?: null | number[];
  conv_args?: ArcConvNeXtBlockArgs;
}
/**
 * ConvNeXt block options.
 */
export interface ArcConvNeXtBlockArgs {
  /**
   * Depthwise kernel size.
   */
  kernel_size?: number;
  /**
   * Inverted-bottleneck width multiplier.
   */
  mult?: number;
  /**
   * GLU in the pointwise MLP.
   */
  glu?: boolean;
}
/**
 * ARC loss weights.
 */
export interface ArcDiscriminatorWeights {
  /**
   * Adversarial weight of the student.
   */
  generator?: number;
  /**
   * Weight of the discriminator loss.
   */
  discriminator?: number;
  /**
   * Weight of the contrastive term (only with contrastive: true).
   */
  contrastive?: number;
}
/**
 * Small strided convolutional discriminator head.
 */
export interface ArcConvDiscriminator {
  /**
   * Index of the DiT block whose hidden states feed the head (0 .. depth - 1 of the discriminator base). Required (asserted).
   */
  dit_hidden_layer: number;
  /**
   * Head architecture: strided conv head.
   */
  type: "conv";
  config?: ArcConvHeadConfig;
  /**
   * Add a contrastive term: each item's metadata `prompt` is rolled by one within the batch as a mismatched condition (the dataset must provide `prompt`).
   */
  contrastive?: boolean;
  /**
   * Approximate R1/R2 gradient penalties (noise std 0.05).
   */
  include_grad_penalties?: boolean;
  weights?: ArcDiscriminatorWeights;
}
/**
 * Convolutional discriminator head (`ConvDiscriminator`). channels (the DiT width, which must be divisible by 32 for its GroupNorm) is set by the wrapper and rejected.
 */
export interface ArcConvHeadConfig {
  /**
   * tanh soft clipping of the scores at this scale; null = off.
   */
  soft_clip_scale?: null | number;
  /**
   * Stored but unused by ARC.
   */
  loss_type?: "lsgan" | "relativistic";
}
/**
 * Random trimming of the latent batch after ODE warm-up.
 */
export interface ArcTrimConfig {
  /**
   * Probability of trimming a batch.
   */
  trim_prob?: number;
  /**
   * Trim to the real length of a random batch item (minimum 128 frames). The only type that works (any other raises UnboundLocalError).
   */
  type?: "random_item";
}
/**
 * Demos of diffusion_cond (also under ARC): num_demos generations per CFG scale. num_demos and demo_cfg_scales are required (upstream indexes them).
 */
export interface DiffusionCondDemo {
  /**
   * Steps between demos (a demo runs when (step - 1) % demo_every == 0).
   */
  demo_every?: number;
  /**
   * Sampler steps per demo.
   */
  demo_steps?: number;
  /**
   * Generations per CFG scale (the noise batch size; must equal the number of demo_cond items).
   */
  num_demos: number;
  /**
   * One demo set per classifier-free guidance scale.
   *
   * @minItems 1
   */
  demo_cfg_scales: [number, ...number[]];
  /**
   * Conditioning of the demos: one metadata dict per demo. Required unless demo_cond_from_batch (upstream's fallback is an empty dict, which crashes the first demo).
   *
   * Items: Free-form: metadata of one demo item, keyed by conditioner id / metadata key (e.g. {"prompt": "...", "seconds_total": 30}).
   */
  demo_cond?: {
    [k: string]: unknown;
  }[];
  /**
   * Use the first num_demos metadata items of the current batch instead of demo_cond.
   */
  demo_cond_from_batch?: boolean;
  /**
   * Log the `audio` entry of every demo conditioning item (needs tensors, i.e. demo_cond_from_batch: true).
   */
  display_audio_cond?: boolean;
  /**
   * Extra logging of audio conditioning inputs (needs tensors, i.e. demo_cond_from_batch); null = none.
   */
  cond_display_configs?: CondDisplayConfig[] | null;
}
/**
 * Extra logging of one audio conditioning input of the demo items.
 */
export interface CondDisplayConfig {
  /**
   * Metadata key holding the audio.
   */
  id: string;
  /**
   * What the metadata holds.
   */
  type: "audio" | "audio_dict";
  config?: CondDisplayOptions;
}
/**
 * Options of one conditioning display.
 */
export interface CondDisplayOptions {
  /**
   * Decode the conditioning with the model's pretransform before logging.
   */
  pre_encoded?: boolean;
  /**
   * For `audio`: also log conditioning + generation mixed (for `audio_dict` the submix and mix are always logged).
   */
  display_mix?: boolean;
}
/**
 * A `diffusion_cond_inpaint` model + training config (stable-audio-tools 0.0.19): conditional diffusion trained and demoed for inpainting (the model takes `inpaint_mask` / `inpaint_masked_input` through input_concat_ids). Same model and wrappers as diffusion_cond (incl. ARC post-training); only the demos differ.
 */
export interface DiffusionCondInpaintConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the conditional diffusion model, wrapper and inpainting demo callback.
   */
  model_type: "diffusion_cond_inpaint";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: DiffusionCondModel;
  training: DiffusionCondInpaintTraining;
}
/**
 * Training options of diffusion_cond_inpaint: the standard conditional wrapper, or ARC post-training when `arc` is present (keys the active wrapper does not read are rejected).
 */
export interface DiffusionCondInpaintTraining {
  /**
   * Learning rate of the default optimizer (Adam). Used only when optimizer_configs is absent (then it is required); ignored with a warning otherwise. Not read under ARC.
   */
  learning_rate?: null | number;
  /**
   * Keep an EMA (beta 0.9999) of the backbone for demos and export.
   */
  use_ema?: boolean;
  /**
   * Explicit optimizers/schedulers; null = Adam at learning_rate. Required under ARC (groups diffusion + discriminator).
   */
  optimizer_configs?: CondOptimizerConfigs | null;
  /**
   * Mask the loss with the dataset's padding mask and pass it to the model.
   */
  mask_padding?: boolean;
  /**
   * Probability of not using the padding mask on a step.
   */
  mask_padding_dropout?: number;
  /**
   * Log the loss per noise-level bucket (10 buckets).
   */
  log_loss_info?: boolean;
  /**
   * The dataset yields pre-encoded latents: the pretransform's encode is skipped (latents are still divided by its scale).
   */
  pre_encoded?: boolean;
  /**
   * Classifier-free guidance dropout: probability of replacing the conditioning with nulls.
   */
  cfg_dropout_prob?: number;
  /**
   * Training distribution of t.
   */
  timestep_sampler?: "uniform" | "logit_normal" | "trunc_logit_normal" | "log_snr";
  timestep_sampler_options?: TimestepSamplerOptions;
  /**
   * Probability of forcing t = 1 (pure noise) for a sample.
   */
  p_one_shot?: number;
  inpainting: InpaintingConfig;
  /**
   * ARC post-training: present = the ARC wrapper trains this model (DiT backbone required).
   */
  arc?: ArcConfig | null;
  /**
   * ARC only: gradient-norm clipping of both optimizers (0 = off).
   */
  clip_grad_norm?: number;
  /**
   * ARC only: random trimming of latent batches; null = off.
   */
  trim_config?: ArcTrimConfig | null;
  demo: DiffusionCondInpaintDemo;
}
/**
 * Demos of diffusion_cond_inpaint: random inpainting masks on the current batch, one set per CFG scale (needs `training.inpainting`).
 */
export interface DiffusionCondInpaintDemo {
  /**
   * Steps between demos (a demo runs when (step - 1) % demo_every == 0).
   */
  demo_every?: number;
  /**
   * Sampler steps per demo.
   */
  demo_steps?: number;
  /**
   * Batch items used for demos (at most the batch size).
   */
  num_demos?: number;
  /**
   * One demo set per classifier-free guidance scale (required: upstream indexes it).
   *
   * @minItems 1
   */
  demo_cfg_scales: [number, ...number[]];
}
/**
 * A `diffusion_autoencoder` model + training config (stable-audio-tools 0.0.19): an autoencoder whose decoder is a diffusion model conditioned on the latents.
 */
export interface DiffusionAutoencoderConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the diffusion-autoencoder model, wrapper and demo callback.
   */
  model_type: "diffusion_autoencoder";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: DiffusionAutoencoderModel;
  training: DiffusionAutoencoderTraining;
}
/**
 * A diffusion autoencoder (`create_diffAE_from_config`): an encoder (+ bottleneck) makes latents, a diffusion model decodes them. `decoder` is not accepted for a diffusion autoencoder: upstream's DiffusionAutoencoder.decode calls itself instead of the decoder (RecursionError at the first demo).
 */
export interface DiffusionAutoencoderModel {
  /**
   * Encoder from audio (or pretransform latents) to latents; absent = identity.
   */
  encoder?: EncoderSpec | null;
  /**
   * `model.decoder` is not accepted for a diffusion autoencoder: upstream's DiffusionAutoencoder.decode calls itself instead of the decoder (RecursionError at the first demo).
   */
  decoder?: DecoderSpec | null;
  diffusion: DaeDiffusion;
  /**
   * Latent channels (after the bottleneck).
   */
  latent_dim: number;
  /**
   * Audio samples (or pretransform frames) per latent frame.
   */
  downsampling_ratio: number;
  /**
   * Channels of the signal the diffusion decoder produces (the pretransform's latent channels with a pretransform, else the audio channels).
   */
  io_channels: number;
  /**
   * Latent bottleneck (its regularisers use fixed weights: kl 1e-6, mmd 100); null = none.
   */
  bottleneck?: Bottleneck | null;
  /**
   * Fixed transform applied first (e.g. a pretrained autoencoder); null = none.
   */
  pretransform?: Pretransform | null;
}
/**
 * Dance Diffusion U-Net decoder (`DAU1DCondWrapper`).
 */
export interface DaeDiffusionDAU1D {
  /**
   * Selects the `DAU1d` decoder backbone.
   */
  type: "DAU1d";
  config: DAU1DDecoderConfig;
}
/**
 * Dance Diffusion attention U-Net as the decoder of a diffusion autoencoder (`DAU1DCondWrapper`); `strides` is required and `cond_dim` should be the latent channels.
 */
export interface DAU1DDecoderConfig {
  /**
   * Audio (or latent) channels of the signal.
   */
  io_channels?: number;
  /**
   * Number of U-Net levels.
   */
  depth?: number;
  /**
   * Self-attention in the innermost n levels.
   */
  n_attn_layers?: number;
  /**
   * Width per level (length >= depth).
   *
   * @minItems 1
   */
  channels?: [number, ...number[]];
  /**
   * Input-concat conditioning channels (for a diffusion autoencoder: the latent channels).
   */
  cond_dim?: number;
  /**
   * Noise-augment the input-concat conditioning.
   */
  cond_noise_aug?: boolean;
  /**
   * Convolution kernel size.
   */
  kernel_size?: number;
  /**
   * Learned resampling (required for any stride > 2).
   */
  learned_resample?: boolean;
  /**
   * Down/upsampling stride per level (length >= depth - 1). Required here: the diffusion-autoencoder factory reads it directly.
   *
   * @minItems 1
   */
  strides: [number, ...number[]];
  /**
   * Convolutions with bias.
   */
  conv_bias?: boolean;
  /**
   * Snake activations.
   */
  use_snake?: boolean;
}
/**
 * ADP U-Net decoder (`UNet1DCondWrapper`); the latents enter through context_channels.
 */
export interface DaeDiffusionAdp {
  /**
   * Selects the `adp_1d` decoder backbone.
   */
  type: "adp_1d";
  config: UNet1DConfig;
}
/**
 * Diffusion transformer decoder (`DiTWrapper`); the latents enter through input_concat_dim.
 */
export interface DaeDiffusionDit {
  /**
   * Selects the `dit` decoder backbone.
   */
  type: "dit";
  config: DitAutoencoderConfig;
}
/**
 * Diffusion transformer decoder of a diffusion autoencoder (DiTWrapper). Unlike in diffusion_cond, `diffusion_objective` is required inside this config. The latents reach it as input-concat conditioning: set input_concat_dim to their channel count. dim, dim_heads, dim_in, dim_out, cross_attend are set by the DiT and rejected; cond_token_dim/global_cond_dim are the DiT's own keys above.
 */
export interface DitAutoencoderConfig {
  /**
   * Channels of the signal the transformer denoises; must equal `model.io_channels` (the latent channels with a pretransform).
   */
  io_channels?: number;
  /**
   * Frames per transformer token.
   */
  patch_size?: number;
  /**
   * Transformer width (must be divisible by num_heads).
   */
  embed_dim?: number;
  /**
   * Width of the cross-attention tokens (the conditioners' output_dim, i.e. `conditioning.cond_dim`); > 0 enables cross-attention.
   */
  cond_token_dim?: number;
  /**
   * Project cross-attention tokens to embed_dim (false keeps cond_token_dim).
   */
  project_cond_tokens?: boolean;
  /**
   * Total width of the concatenated `global_cond_ids` conditioning; > 0 enables global conditioning.
   */
  global_cond_dim?: number;
  /**
   * Project global conditioning to embed_dim (false requires global_cond_dim = embed_dim).
   */
  project_global_cond?: boolean;
  /**
   * Total channels of `input_concat_ids` conditioning (e.g. 1 + io_channels for inpainting, the latent channels for a diffusion autoencoder).
   */
  input_concat_dim?: number;
  /**
   * Width of the prepended conditioning tokens (`prepend_cond_ids`).
   */
  prepend_cond_dim?: number;
  /**
   * Number of transformer blocks.
   */
  depth?: number;
  /**
   * Attention heads (head width = embed_dim / num_heads).
   */
  num_heads?: number;
  /**
   * Transformer implementation (the only one upstream supports).
   */
  transformer_type?: "continuous_transformer";
  /**
   * How the global + timestep embedding enters the transformer.
   */
  global_cond_type?: "prepend" | "adaLN";
  /**
   * Where the timestep embedding goes.
   */
  timestep_cond_type?: "global" | "input_concat";
  /**
   * Width of the timestep embedding with timestep_cond_type input_concat (required then); ignored otherwise.
   */
  timestep_embed_dim?: null | number;
  /**
   * Required here (a positional parameter of DiTWrapper that the diffusion-autoencoder factory does not fill in). The wrapper trains with the v-objective, so write "v".
   */
  diffusion_objective: "v" | "rectified_flow" | "rf_denoiser";
  /**
   * Causal self-attention in every block.
   */
  causal?: boolean;
  /**
   * Index of the last block with cross-attention (-1 = every block).
   */
  final_cross_attn_ix?: number;
  /**
   * Rotary position embeddings.
   */
  rotary_pos_emb?: boolean;
  /**
   * Zero-initialise the attention and feed-forward output layers.
   */
  zero_init_branch_outputs?: boolean;
  /**
   * Add a conformer convolution module to every block.
   */
  conformer?: boolean;
  /**
   * Add scaled sinusoidal absolute position embeddings.
   */
  use_sinusoidal_emb?: boolean;
  /**
   * Add learned absolute position embeddings.
   */
  use_abs_pos_emb?: boolean;
  /**
   * Maximum sequence length of the learned absolute positions.
   */
  abs_pos_emb_max_length?: number;
  /**
   * Learned memory tokens prepended to the sequence.
   */
  num_memory_tokens?: number;
  /**
   * Local attention window [left, right] in tokens (needs the optional flash_attn package); null = full attention.
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: null | [number, number];
  /**
   * Replace the LayerNorms by DynamicTanh.
   */
  remove_norms?: boolean;
  /**
   * Per-block rotary embedding.
   */
  add_rope?: boolean;
  /**
   * LayerScale on the residual branches (turns zero-init off).
   */
  layer_scale?: boolean;
  attn_kwargs?: TransformerAttnKwargs;
  ff_kwargs?: TransformerFfKwargs;
  norm_kwargs?: TransformerNormKwargs;
}
/**
 * Training options of the diffusion-autoencoder wrapper: v-objective, Adam at learning_rate, EMA always on; bottleneck regularisers use fixed weights.
 */
export interface DiffusionAutoencoderTraining {
  /**
   * Adam learning rate (required: upstream indexes it).
   */
  learning_rate: number;
  /**
   * Add a multi-resolution STFT loss (weight 0.1) between the input audio and the decoded one-step prediction. Needs `model.pretransform`.
   */
  use_reconstruction_loss?: boolean;
  demo?: DiffusionDemo;
}
/**
 * An `lm` model + training config (stable-audio-tools 0.0.19): an autoregressive transformer over the codes of a discrete audio tokenizer. Note: upstream's LM backbone passes mask arguments its transformer blocks do not accept, so LM training fails at the first step in 0.0.19 whatever the config.
 */
export interface LMConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors (e.g. `../schemas/config.schema.json`). Ignored by training.
   */
  $schema?: string;
  /**
   * Selects the language model, wrapper and demo callback.
   */
  model_type: "lm";
  /**
   * Audio sample rate in Hz. Forwarded to pretransforms, conditioners, losses and discriminators; audio is resampled to it when loading data.
   */
  sample_rate: number;
  /**
   * Length in samples of each training chunk and of demo generations. For latent models it must be a multiple of the pretransform's downsampling ratio.
   */
  sample_size: number;
  /**
   * Channel count the data loader converts audio to (1 = mono, 2 = stereo). Must agree with the model's input channels.
   */
  audio_channels?: number;
  model: LMModel;
  training: LMTraining;
}
/**
 * An audio language model (`create_audio_lm_from_config`): a discrete pretransform (tokenizer), the LM and optional conditioners.
 */
export interface LMModel {
  pretransform: Pretransform;
  lm: LMSpec;
  /**
   * Conditioners; null = unconditional.
   */
  conditioning?: Conditioning | null;
}
/**
 * The language model over the pretransform's tokens.
 */
export interface LMSpec {
  /**
   * Backbone type (the only one since stable-audio-tools 0.0.19).
   */
  type: "continuous_transformer";
  config: LMBackboneConfig;
  /**
   * How the codebooks of each frame are interleaved into the token sequence.
   */
  codebook_pattern?: "delay" | "parallel" | "unroll" | "musiclm";
  /**
   * Conditioner ids used for cross-attention.
   */
  cross_attention_cond_ids?: string[];
  /**
   * Conditioner ids prepended as tokens.
   */
  prepend_cond_ids?: string[];
  /**
   * Accepted upstream but ignored by the backbone's forward: must stay empty.
   *
   * @maxItems 0
   */
  global_cond_ids?: [];
}
/**
 * Arguments of `ContinuousTransformerAudioLMBackbone` (models/lm_backbone.py); remaining keys go to its causal ContinuousTransformer. dim, dim_in, dim_out, cross_attend, cond_token_dim, causal and use_generation_cache are set by the backbone and rejected.
 */
export interface LMBackboneConfig {
  /**
   * Transformer width.
   */
  embed_dim: number;
  /**
   * Number of transformer blocks.
   */
  depth: number;
  /**
   * Width of each attention head.
   */
  dim_heads?: number;
  /**
   * Width of the cross-attention conditioning (`cross_attention_cond_ids`); > 0 enables cross-attention and needs project_cross_attn_cond.
   */
  cross_attn_cond_dim?: number;
  /**
   * Width of the prepended conditioning (`prepend_cond_ids`).
   */
  prepend_cond_dim?: number;
  /**
   * Project cross-attention conditioning to embed_dim (must be true whenever cross_attn_cond_dim > 0).
   */
  project_cross_attn_cond?: boolean;
  /**
   * Global-conditioning width of the blocks' adaptive norms; null = none (the LM never passes global conditioning).
   */
  global_cond_dim?: null | number;
  /**
   * Index of the last block with cross-attention (-1 = every block).
   */
  final_cross_attn_ix?: number;
  /**
   * Rotary position embeddings.
   */
  rotary_pos_emb?: boolean;
  /**
   * Zero-initialise the attention and feed-forward output layers.
   */
  zero_init_branch_outputs?: boolean;
  /**
   * Add a conformer convolution module to every block.
   */
  conformer?: boolean;
  /**
   * Add scaled sinusoidal absolute position embeddings.
   */
  use_sinusoidal_emb?: boolean;
  /**
   * Add learned absolute position embeddings.
   */
  use_abs_pos_emb?: boolean;
  /**
   * Maximum sequence length of the learned absolute positions.
   */
  abs_pos_emb_max_length?: number;
  /**
   * Learned memory tokens prepended to the sequence.
   */
  num_memory_tokens?: number;
  /**
   * Local attention window [left, right] in tokens (needs the optional flash_attn package); null = full attention.
   *
   * @minItems 2
   * @maxItems 2
   */
  sliding_window?: null | [number, number];
  /**
   * Replace the LayerNorms by DynamicTanh.
   */
  remove_norms?: boolean;
  /**
   * Per-block rotary embedding.
   */
  add_rope?: boolean;
  /**
   * LayerScale on the residual branches (turns zero-init off).
   */
  layer_scale?: boolean;
  attn_kwargs?: TransformerAttnKwargs;
  ff_kwargs?: TransformerFfKwargs;
  norm_kwargs?: TransformerNormKwargs;
}
/**
 * Training options of the LM wrapper (cross-entropy over tokens; CFG dropout fixed at 0.1).
 */
export interface LMTraining {
  /**
   * Learning rate of the default optimizer (AdamW, betas 0.9/0.95, weight decay 0.1). Used only when optimizer_configs is absent (then required).
   */
  learning_rate?: null | number;
  /**
   * Keep an EMA of the model (beta 0.99, updated every 10 steps).
   */
  use_ema?: boolean;
  /**
   * Explicit optimizer/scheduler; null = AdamW at learning_rate.
   */
  optimizer_configs?: LMOptimizerConfigs | null;
  /**
   * The dataset yields token codes instead of audio.
   */
  pre_encoded?: boolean;
  demo?: LMDemo;
}
/**
 * Optimizer of the LM wrapper (group `lm`).
 */
export interface LMOptimizerConfigs {
  lm: OptimizerGroup;
}
/**
 * Demos: num_demos generations per CFG scale.
 */
export interface LMDemo {
  /**
   * Steps between demos (a demo runs when (step - 1) % demo_every == 0).
   */
  demo_every?: number;
  /**
   * Generations per CFG scale.
   */
  num_demos?: number;
  /**
   * One demo set per classifier-free guidance scale.
   *
   * @minItems 1
   */
  demo_cfg_scales?: [number, ...number[]];
  /**
   * Conditioning of the demos (one metadata dict per demo); null = unconditional.
   */
  demo_cond?:
    | {
        [k: string]: unknown;
      }[]
    | null;
}

/**
 * A stable-audio-tools dataset config (`--dataset-config`): where training audio comes from. `dataset_type` selects the loader. The three loaders are told apart by `dataset_type` (`audio_dir`, `pre_encoded`, `wds` or its older name `s3`).
 */
export type DatasetConfig = AudioDirDatasetConfig | PreEncodedDatasetConfig | WebDatasetConfig;
/**
 * One WebDataset source: tar shards on S3 (`s3_path`) or in a local directory (`path`).
 */
export type WebDatasetSource = (
  | {
      s3_path: string;
      path?: null;
      [k: string]: unknown;
    }
  | {
      path: string;
      s3_path?: null;
      profile?: null;
      [k: string]: unknown;
    }
) & {
  /**
   * Name of this dataset.
   */
  id: string;
  /**
   * S3 prefix holding the tar shards (listed with `aws s3 ls`). Give exactly one of s3_path and path.
   */
  s3_path?: null | string;
  /**
   * Local directory holding the tar shards. Give exactly one of s3_path and path.
   */
  path?: null | string;
  /**
   * AWS CLI profile used to list and read `s3_path`.
   */
  profile?: null | string;
  /**
   * Path to a Python file defining `get_custom_metadata(info, audio) -> dict`; its result is merged into each item's metadata (e.g. a `prompt`). Executed as code: only point it at files you trust.
   */
  custom_metadata_module?: null | string;
} & (
    | {
        s3_path: string;
        path?: null;
        [k: string]: unknown;
      }
    | {
        path: string;
        s3_path?: null;
        profile?: null;
        [k: string]: unknown;
      }
  ) & {
    /**
     * Name of this dataset.
     */
    id: string;
    /**
     * S3 prefix holding the tar shards (listed with `aws s3 ls`). Give exactly one of s3_path and path.
     */
    s3_path?: null | string;
    /**
     * Local directory holding the tar shards. Give exactly one of s3_path and path.
     */
    path?: null | string;
    /**
     * AWS CLI profile used to list and read `s3_path`.
     */
    profile?: null | string;
    /**
     * Path to a Python file defining `get_custom_metadata(info, audio) -> dict`; its result is merged into each item's metadata (e.g. a `prompt`). Executed as code: only point it at files you trust.
     */
    custom_metadata_module?: null | string;
  };

/**
 * Audio files found recursively under local directories (wav, flac, mp3, ogg, aif/aiff, opus). Each item is resampled to the model's sample_rate, converted to its channel count and randomly cropped or padded to sample_size (with a padding mask).
 */
export interface AudioDirDatasetConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors.
   */
  $schema?: string;
  /**
   * Local audio directories.
   */
  dataset_type: "audio_dir";
  /**
   * Directories to read.
   *
   * @minItems 1
   */
  datasets: [AudioDirDataset, ...AudioDirDataset[]];
  /**
   * Crop a random window of sample_size from each file (false: always from the start).
   */
  random_crop?: boolean;
  /**
   * Drop the last incomplete batch of an epoch.
   */
  drop_last?: boolean;
}
/**
 * One local directory of audio files.
 */
export interface AudioDirDataset {
  /**
   * Name of this dataset (used in logs).
   */
  id: string;
  /**
   * Directory searched recursively for audio files.
   */
  path: string;
  /**
   * Path to a Python file defining `get_custom_metadata(info, audio) -> dict`; its result is merged into each item's metadata (e.g. a `prompt`). Executed as code: only point it at files you trust.
   */
  custom_metadata_module?: null | string;
}
/**
 * Latents written by a pre-encoding run: `.npy` arrays with a `.json` metadata file beside each (which must hold `padding_mask` and `seconds_total`). A `filelist.txt` at a directory's root lists the files instead of a scan.
 */
export interface PreEncodedDatasetConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors.
   */
  $schema?: string;
  /**
   * Pre-encoded latents.
   */
  dataset_type: "pre_encoded";
  /**
   * Directories to read.
   *
   * @minItems 1
   */
  datasets: [PreEncodedDataset, ...PreEncodedDataset[]];
  /**
   * Crop latents to this many frames (null: keep whole files).
   */
  latent_crop_length?: null | number;
  /**
   * Skip items shorter than this many seconds (`seconds_total`).
   */
  min_length_sec?: null | number;
  /**
   * Skip items longer than this many seconds.
   */
  max_length_sec?: null | number;
  /**
   * Crop at a random position inside the non-padded part (false: from the start).
   */
  random_crop?: boolean;
  /**
   * File extension of the latent arrays, without the dot.
   */
  latent_extension?: string;
  /**
   * Drop the last incomplete batch of an epoch.
   */
  drop_last?: boolean;
}
/**
 * One directory of pre-encoded latents.
 */
export interface PreEncodedDataset {
  /**
   * Name of this dataset (used in logs).
   */
  id: string;
  /**
   * Directory holding the latent files.
   */
  path: string;
  /**
   * Path to a Python file defining `get_custom_metadata(info, audio) -> dict`; its result is merged into each item's metadata (e.g. a `prompt`). Executed as code: only point it at files you trust.
   */
  custom_metadata_module?: null | string;
}
/**
 * Streaming WebDataset shards from S3 or local tar files (`s3` is the older name of `wds`).
 */
export interface WebDatasetConfig {
  /**
   * URI or path of the JSON Schema this file follows, for editors.
   */
  $schema?: string;
  /**
   * WebDataset shards (`s3` kept for backwards compatibility).
   */
  dataset_type: "wds" | "s3";
  /**
   * Shard sources.
   *
   * @minItems 1
   */
  datasets: [WebDatasetSource, ...WebDatasetSource[]];
  /**
   * Crop a random window of sample_size from each item.
   */
  random_crop?: boolean;
  /**
   * Shorten long silences in mono audio.
   */
  remove_silence?: boolean;
  /**
   * Silence detection thresholds used by remove_silence.
   *
   * @minItems 2
   * @maxItems 2
   */
  silence_threshold?: [number, number];
  /**
   * Longest silence kept by remove_silence, in seconds.
   */
  max_silence_duration?: number;
  /**
   * Normalise loudness.
   */
  volume_norm?: boolean;
  /**
   * Target loudness (LUFS) and its random spread, for volume_norm.
   *
   * @minItems 2
   * @maxItems 2
   */
  volume_norm_param?: [number, number];
  /**
   * Steps per (virtual) epoch of the endless stream.
   */
  epoch_steps?: number;
  /**
   * Shards hold latents instead of audio.
   */
  pre_encoded?: boolean;
  /**
   * Crop latents to this many frames (pre_encoded only).
   */
  latent_crop_length?: null | number;
  /**
   * Sample shards with replacement (endless stream).
   */
  resampled_shards?: boolean;
  /**
   * Drop the last incomplete batch of an epoch.
   */
  drop_last?: boolean;
}
