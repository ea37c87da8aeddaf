"""Codebook patterns: round trips and the known layouts of 4 codebooks (upstream's semantics)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from sat_config.kinds.lm.patterns import (  # noqa: E402
    PATTERN_PROVIDERS, DelayedPatternProvider, MusicLMPattern, ParallelPatternProvider, Pattern,
    UnrolledPatternProvider)

S = 99  # special token in these tests


def codes(n_q: int, frames: int) -> torch.Tensor:
    """Code ``10 * q + t`` for codebook q, frame t (batch of 1): easy to read back."""
    return (torch.arange(n_q)[:, None] * 10 + torch.arange(frames)[None, :])[None]


@pytest.mark.parametrize("name", sorted(PATTERN_PROVIDERS))
@pytest.mark.parametrize("n_q", [1, 2, 3, 4])
@pytest.mark.parametrize("frames", [1, 5])
def test_build_then_revert_gives_the_codes_back(name, n_q, frames):
    pattern = PATTERN_PROVIDERS[name](n_q).get_pattern(frames)
    z = torch.randint(0, 50, (3, n_q, frames))
    sequence, _, mask = pattern.build_pattern_sequence(z, S)
    assert sequence.shape[:2] == (3, n_q) and mask.shape == sequence.shape[1:]
    assert (sequence[..., 0] == S).all()  # every sequence starts with the special step
    assert mask.sum() == n_q * frames  # each code exactly once
    back, _, back_mask = pattern.revert_pattern_sequence(sequence, -1)
    assert torch.equal(back, z) and back_mask.all()


def test_delay_layout_of_four_codebooks():
    sequence, _, mask = DelayedPatternProvider(4).get_pattern(3).build_pattern_sequence(
        codes(4, 3), S)
    assert sequence[0].tolist() == [
        [S, 0, 1, 2, S, S, S],
        [S, S, 10, 11, 12, S, S],
        [S, S, S, 20, 21, 22, S],
        [S, S, S, S, 30, 31, 32],
    ]
    assert torch.equal(mask, sequence[0] != S)


def test_parallel_layout_of_four_codebooks():
    sequence, _, _ = ParallelPatternProvider(4).get_pattern(3).build_pattern_sequence(
        codes(4, 3), S)
    assert sequence[0].tolist() == [[S, 0, 1, 2], [S, 10, 11, 12], [S, 20, 21, 22],
                                    [S, 30, 31, 32]]


def test_unroll_layout_of_four_codebooks():
    sequence, _, _ = UnrolledPatternProvider(4).get_pattern(2).build_pattern_sequence(
        codes(4, 2), S)
    # one codebook per step, frame by frame, codebook 0 first
    assert sequence[0].tolist() == [
        [S, 0, S, S, S, 1, S, S, S],
        [S, S, 10, S, S, S, 11, S, S],
        [S, S, S, 20, S, S, S, 21, S],
        [S, S, S, S, 30, S, S, S, 31],
    ]


def test_musiclm_layout_of_four_codebooks():
    sequence, _, _ = MusicLMPattern(4).get_pattern(2).build_pattern_sequence(codes(4, 2), S)
    # codebooks 0-1 over all frames, then codebooks 2-3
    assert sequence[0].tolist() == [
        [S, 0, S, 1, S, S, S, S, S],
        [S, S, 10, S, 11, S, S, S, S],
        [S, S, S, S, S, 20, S, 21, S],
        [S, S, S, S, S, S, 30, S, 31],
    ]


def test_musiclm_with_an_odd_codebook_count_keeps_a_smaller_last_group():
    # upstream's MusicLMPattern emits a codebook that does not exist (KeyError)
    pattern = MusicLMPattern(3).get_pattern(2)
    assert [c.q for step in pattern.layout for c in step] == [0, 1, 0, 1, 2, 2]


def test_valid_steps_drop_the_delayed_tail():
    pattern = DelayedPatternProvider(4).get_pattern(3)
    assert pattern.max_delay == 3 and pattern.num_sequence_steps == 6
    sequence, _, mask = pattern.build_pattern_sequence(codes(4, 3), S, keep_only_valid_steps=True)
    assert sequence.shape[-1] == 4  # 7 steps minus the 3 past the last frame
    assert mask.sum(dim=1).tolist() == [3, 2, 1, 0]


def test_reverted_logits_are_the_predictions_of_the_next_step():
    """Logit position s predicts step s + 1: reverting must put the prediction of code (q, t)
    at (q, t)."""
    pattern = DelayedPatternProvider(2).get_pattern(3)
    sequence, _, _ = pattern.build_pattern_sequence(codes(2, 3), S, keep_only_valid_steps=True)
    # a "model" whose logit at step s is the code at step s + 1 (one-hot over 100 classes)
    shifted = torch.cat([sequence[..., 1:], torch.full_like(sequence[..., :1], S)], dim=-1)
    logits = torch.nn.functional.one_hot(shifted, 100).float().permute(0, 3, 1, 2)
    reverted, _, mask = pattern.revert_pattern_logits(logits, float("nan"),
                                                      keep_only_valid_steps=True)
    predicted = reverted.argmax(dim=1)[0]
    assert mask.tolist() == [[True, True, True], [True, True, False]]
    assert torch.equal(predicted[mask], codes(2, 3)[0][mask])
    assert torch.isnan(reverted[0, :, 1, 2]).all()  # not predicted: the special value


def test_first_step_of_a_frame():
    assert DelayedPatternProvider(4).get_pattern(5).get_first_step_with_timesteps(0) == 1
    assert UnrolledPatternProvider(4).get_pattern(5).get_first_step_with_timesteps(2) == 9


def test_patterns_are_cached_per_length():
    provider = DelayedPatternProvider(2)
    assert provider.get_pattern(8) is provider.get_pattern(8)


@pytest.mark.parametrize("make", [
    lambda: DelayedPatternProvider(2, delays=[1, 0]),
    lambda: DelayedPatternProvider(2, delays=[0]),
    lambda: UnrolledPatternProvider(2, flattening=[0, 0], delays=[0, 1]),
    lambda: Pattern([[], [(0, 0), (1, 0)]], timesteps=2, n_q=1),
    lambda: Pattern([[], [(1, 0)], [(0, 0)]], timesteps=2, n_q=1),
])
def test_invalid_patterns_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_a_sequence_longer_than_the_pattern_is_refused():
    pattern = ParallelPatternProvider(2).get_pattern(2)
    with pytest.raises(ValueError, match="frames but the pattern covers"):
        pattern.build_pattern_sequence(torch.zeros(1, 2, 3, dtype=torch.long), S)
