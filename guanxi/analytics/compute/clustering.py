"""K-means segmentation of customers on standardised log features, with k chosen by silhouette.

Implemented with numpy only: k-means++ seeding, Lloyd iterations with vectorised distances, and a
silhouette score on a sample (silhouette is quadratic in the number of points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._optim import FloatArray, IntArray

#: Default feature names in the order of the columns passed to ``customer_features``.
FEATURES: tuple[str, ...] = ("recency", "frequency", "monetary")

_ORDER: tuple[str, ...] = ("frequency", "monetary", "recency")
_WORDS_EN: dict[str, tuple[str, str, str]] = {
    "recency": ("lapsed", "average recency", "recent"),
    "frequency": ("high frequency", "average frequency", "low frequency"),
    "monetary": ("high spend", "average spend", "low spend"),
}
_WORDS_ZH: dict[str, tuple[str, str, str]] = {
    "recency": ("久未购买", "活跃度一般", "近期活跃"),
    "frequency": ("高频", "频次一般", "低频"),
    "monetary": ("高消费", "消费一般", "低消费"),
}


@dataclass(frozen=True)
class Clustering:
    """Cluster labels, centroids (standardised and original units) and descriptions."""

    k: int
    labels: IntArray
    centers_z: FloatArray
    centers: FloatArray
    sizes: IntArray
    silhouette: dict[int, float]
    descriptions_en: tuple[str, ...]
    descriptions_zh: tuple[str, ...]


def customer_features(days_since_last: ArrayLike, frequency: ArrayLike, monetary: ArrayLike) -> FloatArray:
    """log1p of recency days, purchase frequency and spend, as an (n, 3) matrix (spend clipped at 0)."""
    cols = [
        np.log1p(np.clip(np.asarray(days_since_last, dtype=np.float64), 0.0, None)),
        np.log1p(np.clip(np.asarray(frequency, dtype=np.float64), 0.0, None)),
        np.log1p(np.clip(np.asarray(monetary, dtype=np.float64), 0.0, None)),
    ]
    return np.stack(cols, axis=1)


def standardize(features: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Z-scores per column; constant columns get scale 1 so they do not divide by zero."""
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (features - mean) / std, mean, std


def _sq_distances(points: FloatArray, centers: FloatArray) -> FloatArray:
    """Squared Euclidean distances (n, k) via |x|^2 - 2 x.c + |c|^2, clipped at 0 against rounding."""
    d = (points**2).sum(axis=1)[:, None] - 2.0 * points @ centers.T + (centers**2).sum(axis=1)[None, :]
    clipped: FloatArray = np.clip(d, 0.0, None)
    return clipped


def kmeans_plus_plus(points: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    """k-means++ seeding: each next centre drawn with probability proportional to D(x)^2."""
    centers = [points[rng.integers(points.shape[0])]]
    closest = _sq_distances(points, np.asarray(centers))[:, 0]
    for _ in range(1, k):
        total = closest.sum()
        if total <= 0:
            centers.append(points[rng.integers(points.shape[0])])
            continue
        idx = int(np.searchsorted(np.cumsum(closest), rng.random() * total, side="right"))
        centers.append(points[min(idx, points.shape[0] - 1)])
        closest = np.minimum(closest, _sq_distances(points, centers[-1][None, :])[:, 0])
    return np.asarray(centers)


def kmeans(
    points: FloatArray, k: int, *, seed: int = 0, max_iter: int = 100, init: FloatArray | None = None
) -> tuple[IntArray, FloatArray]:
    """Lloyd's algorithm from k-means++ (or given) centres; empty clusters keep their old centre."""
    rng = np.random.default_rng(seed)
    centers = kmeans_plus_plus(points, k, rng) if init is None else init.copy()
    labels = np.zeros(points.shape[0], dtype=np.int64)
    for iteration in range(max_iter):
        new_labels = _sq_distances(points, centers).argmin(axis=1)
        if iteration > 0 and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=points[:, j], minlength=k) for j in range(points.shape[1])], 1)
        filled = counts > 0
        centers[filled] = sums[filled] / counts[filled, None]
    return labels, centers


def silhouette_score(points: FloatArray, labels: IntArray) -> float:
    """Mean silhouette (b - a) / max(a, b); points in singleton clusters score 0."""
    k = int(labels.max()) + 1
    if k < 2:
        return 0.0
    dist = np.sqrt(_sq_distances(points, points))
    one_hot = np.eye(k)[labels]
    counts = one_hot.sum(axis=0)
    mean_to = dist @ one_hot
    own = counts[labels] - 1.0
    a = np.divide(mean_to[np.arange(labels.size), labels], own, out=np.zeros(labels.size), where=own > 0)
    other = np.divide(mean_to, counts[None, :], out=np.full_like(mean_to, np.inf), where=counts[None, :] > 0)
    other[np.arange(labels.size), labels] = np.inf
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros_like(a), where=(own > 0) & np.isfinite(b) & (denom > 0))
    return float(s.mean())


def cluster_customers(
    features: FloatArray,
    *,
    k_range: range = range(2, 9),
    seed: int = 0,
    silhouette_sample: int = 2000,
    fit_sample: int = 50_000,
    feature_names: tuple[str, ...] = FEATURES,
) -> Clustering:
    """Choose k by silhouette on a sample, then cluster everyone from the sample's centres."""
    z, mean, std = standardize(features)
    n = z.shape[0]
    rng = np.random.default_rng(seed)
    fit_idx = rng.choice(n, size=min(n, fit_sample), replace=False)
    sil_idx = fit_idx[: min(fit_idx.size, silhouette_sample)]
    distinct = np.unique(z[fit_idx], axis=0).shape[0]
    candidates = [k for k in k_range if k <= distinct]
    if not candidates:
        labels = np.zeros(n, dtype=np.int64)
        center = z.mean(axis=0, keepdims=True)
        return _describe(1, labels, center, mean, std, {}, feature_names)
    scores: dict[int, float] = {}
    centers_by_k: dict[int, FloatArray] = {}
    for k in candidates:
        sample_labels, centers = kmeans(z[fit_idx], k, seed=seed)
        centers_by_k[k] = centers
        sil_labels = _sq_distances(z[sil_idx], centers).argmin(axis=1)
        scores[k] = silhouette_score(z[sil_idx], _compact(sil_labels))
    best = max(scores, key=lambda key: (scores[key], -key))
    labels, centers = kmeans(z, best, seed=seed, init=centers_by_k[best])
    return _describe(best, labels, centers, mean, std, scores, feature_names)


def _compact(labels: IntArray) -> IntArray:
    """Renumber labels 0..m-1 so absent clusters do not count in the silhouette."""
    return np.unique(labels, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _describe(
    k: int,
    labels: IntArray,
    centers_z: FloatArray,
    mean: FloatArray,
    std: FloatArray,
    scores: dict[int, float],
    feature_names: tuple[str, ...],
) -> Clustering:
    en = tuple(describe_centroid(c, feature_names, _WORDS_EN, ", ") for c in centers_z)
    zh = tuple(describe_centroid(c, feature_names, _WORDS_ZH, "、") for c in centers_z)
    centers = np.expm1(centers_z * std + mean)
    return Clustering(k, labels, centers_z, centers, np.bincount(labels, minlength=k), scores, en, zh)


def describe_centroid(
    center_z: FloatArray,
    feature_names: tuple[str, ...],
    words: dict[str, tuple[str, str, str]],
    sep: str,
    threshold: float = 0.5,
) -> str:
    """Words for a standardised centre: above +threshold the 'high' word, below -threshold the 'low'.

    Words are (when high, when average, when low); recency is days since the last purchase, so
    its 'high' word is 'lapsed'. Features near the mean are left out unless all are, in which
    case the 'average' words are used. Output order: frequency, spend, recency.
    """
    values = dict(zip(feature_names, center_z, strict=True))
    ordered = sorted(values, key=lambda name: _ORDER.index(name) if name in _ORDER else len(_ORDER))
    parts: list[str] = []
    for name in ordered:
        high, _average, low = words[name]
        if values[name] > threshold:
            parts.append(high)
        elif values[name] < -threshold:
            parts.append(low)
    return sep.join(parts or [words[name][1] for name in ordered])
