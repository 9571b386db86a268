"""Independent numbers for tests/unit/rope-config.test.ts: `python3 scripts/rope-reference.py`.

A numpy transcription of transformers' `modeling_rope_utils.py` (5.x: `_compute_*_parameters`
and `dynamic_rope_update`), written from that file and not from our TypeScript, so the test
checks our engine against transformers' formulas. Computed in float64 (transformers uses float32:
its values differ from these in about the 7th digit). It prints the literals the test pastes.
"""

import math

import numpy as np


def default_inv_freq(dim, base):
    return 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.int64).astype(np.float64) / dim))


def linear(dim, base, factor):
    return default_inv_freq(dim, base) / factor, 1.0


def dynamic(dim, base, factor, max_position_embeddings, seq_len):
    # dynamic_rope_update: a pass longer than the cached length recomputes with its length;
    # within max_position_embeddings the original frequencies stay.
    if seq_len is None or seq_len <= max_position_embeddings:
        return default_inv_freq(dim, base), 1.0
    base = base * ((factor * seq_len / max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
    return default_inv_freq(dim, base), 1.0


def get_mscale(scale, mscale=1):
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def yarn(dim, base, factor, original, beta_fast=None, beta_slow=None, attention_factor=None, mscale=None, mscale_all_dim=None, truncate=True):
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = get_mscale(factor)
    beta_fast = beta_fast or 32
    beta_slow = beta_slow or 1

    def find_correction_dim(num_rotations):
        return (dim * math.log(original / (num_rotations * 2 * math.pi))) / (2 * math.log(base))

    low = find_correction_dim(beta_fast)
    high = find_correction_dim(beta_slow)
    if truncate:
        low = math.floor(low)
        high = math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    extrapolation_factor = 1 - ramp
    pos_freqs = base ** (np.arange(0, dim, 2).astype(np.float64) / dim)
    inv_freq = (1.0 / (factor * pos_freqs)) * (1 - extrapolation_factor) + (1.0 / pos_freqs) * extrapolation_factor
    return inv_freq, attention_factor


def longrope(dim, base, short_factor, long_factor, original, max_position_embeddings, seq_len, factor=None, attention_factor=None):
    if factor is None:
        factor = max_position_embeddings / original
    if attention_factor is None:
        attention_factor = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(original))
    ext = np.array(long_factor if seq_len and seq_len > original else short_factor, dtype=np.float64)
    return 1.0 / (ext * base ** (np.arange(0, dim, 2, dtype=np.int64).astype(np.float64) / dim)), attention_factor


def llama3(dim, base, factor, low_freq_factor, high_freq_factor, original):
    inv_freq = default_inv_freq(dim, base)
    low_freq_wavelen = original / low_freq_factor
    high_freq_wavelen = original / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = np.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (original / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama
    medium = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
    return np.where(medium, smoothed, inv_freq_llama), 1.0


# Phi-3-like factors for a 96-dim head (48 pairs), made up: the real lists are too long to paste.
SHORT = [1.0 + 0.01 * i for i in range(48)]
LONG = [1.0 + 0.5 * i for i in range(48)]

# (name, indices to print or None for all, (inv_freq, attention_factor))
CASES = [
    # Llama 3.1 8B: head_dim 128, rope_theta 500 000, factor 8, low 1, high 4, original 8192.
    ('llama3-8b', [0, 20, 25, 30, 35, 40, 45, 50, 63], llama3(128, 500000.0, 8.0, 1.0, 4.0, 8192)),
    # Llama 3.2 1B: head_dim 64, factor 32.
    ('llama3-1b', None, llama3(64, 500000.0, 32.0, 1.0, 4.0, 8192)),
    # Qwen2.5 with YaRN enabled: head_dim 128, rope_theta 1e6, factor 4 from 32 768.
    ('yarn-qwen', [0, 10, 15, 20, 25, 30, 35, 40, 63], yarn(128, 1000000.0, 4.0, 32768)),
    # DeepSeek-V2-Lite's rope dims: 64, θ 1e4, factor 40 from 4096, mscale = mscale_all_dim = 0.707.
    ('yarn-deepseek', [0, 5, 10, 15, 20, 25, 31], yarn(64, 10000.0, 40.0, 4096, beta_fast=32, beta_slow=1, mscale=0.707, mscale_all_dim=0.707)),
    ('yarn-mscale', [0, 31], yarn(64, 10000.0, 40.0, 4096, mscale=1.0, mscale_all_dim=0.8)),
    # gpt-oss: head_dim 64, θ 150 000, factor 32 from 4096, truncate false.
    ('yarn-untruncated', None, yarn(64, 150000.0, 32.0, 4096, truncate=False)),
    ('yarn-tiny', None, yarn(16, 10000.0, 4.0, 64, beta_fast=8, beta_slow=2, attention_factor=1.25)),
    # Phi-3-mini-128k geometry: head_dim 96, θ 1e4, original 4096, max 131 072.
    ('longrope-short', [0, 1, 10, 47], longrope(96, 10000.0, SHORT, LONG, 4096, 131072, 4096)),
    ('longrope-long', [0, 1, 10, 47], longrope(96, 10000.0, SHORT, LONG, 4096, 131072, 4097)),
    ('linear', None, linear(16, 10000.0, 4.0)),
    ('dynamic-within', None, dynamic(16, 10000.0, 2.0, 64, 64)),
    ('dynamic-100', None, dynamic(16, 10000.0, 2.0, 64, 100)),
    ('dynamic-llama2', [1, 63], dynamic(128, 10000.0, 2.0, 4096, 8192)),
]


def literal(x):
    return repr(float(x))


for name, indices, (inv_freq, attention_factor) in CASES:
    picked = list(range(len(inv_freq))) if indices is None else indices
    values = ', '.join(f'[{i}, {literal(inv_freq[i])}]' for i in picked)
    print(f"\t'{name}': {{ attentionFactor: {literal(attention_factor)}, invFreq: [{values}] }},")
