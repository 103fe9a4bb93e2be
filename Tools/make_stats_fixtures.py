#!/usr/bin/env python3
"""Reference values for the Analysis module's statistics, from SciPy and scikit-learn.

Writes Tests/Fixtures/stats/*.json: seeded random cases (ties, small samples, degenerate
shapes) with their inputs and the library outputs. Deterministic and rerunnable:

    python3 Tools/make_stats_fixtures.py

Holm and Benjamini-Hochberg are written from their definitions with the semantics of
statsmodels' multipletests (statsmodels is not a dependency); BH is cross-checked against
scipy.stats.false_discovery_control. The Mantel p-values are exact (all n! permutations).
"""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import special, stats
from scipy.cluster import hierarchy
from scipy.spatial import distance
from sklearn import metrics

OUT = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "stats"
MASK64 = (1 << 64) - 1


def write(name, payload):
    OUT.mkdir(parents=True, exist_ok=True)
    payload = {"generator": f"Tools/make_stats_fixtures.py (scipy {scipy.__version__}, "
                            f"scikit-learn {sklearn.__version__}, numpy {np.__version__})",
               **payload}
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size} bytes")


def floats(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


# --- PRNG: xoshiro256** seeded with splitmix64, Lemire bounded integers, Fisher-Yates ----------

class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Xoshiro256StarStar:
    def __init__(self, seed):
        sm = SplitMix64(seed)
        self.s = [sm.next() for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        """Uniform integer in [0, n) (Lemire's multiply-shift with rejection)."""
        m = self.next() * n
        low = m & MASK64
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & MASK64
        return m >> 64

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def shuffle(self, values):
        for i in range(len(values) - 1, 0, -1):
            j = self.below(i + 1)
            values[i], values[j] = values[j], values[i]


def prng_fixture():
    cases = []
    for seed in [0, 1, 42, 0xDEADBEEF, MASK64]:
        g = Xoshiro256StarStar(seed)
        raw = [str(g.next()) for _ in range(8)]
        g = Xoshiro256StarStar(seed)
        bounded = [g.below(n) for n in [1, 2, 3, 7, 10, 100, 1000, 2**33 + 5]]
        g = Xoshiro256StarStar(seed)
        units = [g.unit() for _ in range(4)]
        g = Xoshiro256StarStar(seed)
        perm = list(range(20))
        g.shuffle(perm)
        cases.append({"seed": str(seed), "raw": raw,
                      "bounds": [1, 2, 3, 7, 10, 100, 1000, 2**33 + 5], "bounded": bounded,
                      "units": units, "shuffled20": perm})
    write("prng", {"cases": cases})


# --- special functions --------------------------------------------------------------------

def special_fixture():
    gamma = []
    for a in [0.5, 1.0, 1.5, 2.5, 4.5, 10.0, 30.5, 100.0]:
        for x in [1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 80.0, 150.0]:
            gamma.append({"a": a, "x": x, "p": float(special.gammainc(a, x)),
                          "q": float(special.gammaincc(a, x))})
    chi2 = []
    for df in [1, 2, 3, 5, 9]:
        for x in [0.0, 0.01, 0.5, 1.0, 3.84, 7.5, 15.0, 30.0, 60.0]:
            chi2.append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})
    beta = []
    for a, b in [(0.5, 0.5), (1.0, 3.0), (2.5, 0.5), (5.0, 0.5), (49.0, 0.5), (10.0, 20.0)]:
        for x in [0.0, 0.01, 0.2, 0.5, 0.8, 0.99, 1.0]:
            beta.append({"a": a, "b": b, "x": x, "value": float(special.betainc(a, b, x))})
    t = []
    for df in [1, 2, 3, 8, 28, 98]:
        for value in [0.0, 0.3, 1.0, 2.0, 4.0, 12.0]:
            t.append({"df": df, "t": value, "sf": float(stats.t.sf(value, df))})
    normal = [{"z": z, "sf": float(stats.norm.sf(z))}
              for z in [-3.0, -1.0, 0.0, 0.5, 1.96, 3.0, 6.0, 9.0]]
    write("special", {"gamma": gamma, "chi2": chi2, "beta": beta, "t": t, "normal": normal})


# --- ranks, descriptive quantiles ---------------------------------------------------------

def ranks_fixture(rng):
    cases = []
    for n, levels in [(1, None), (5, None), (12, 4), (30, 6), (50, None), (40, 2)]:
        values = rng.normal(size=n) if levels is None else rng.integers(0, levels, size=n) * 0.5
        cases.append({"values": floats(values), "ranks": floats(stats.rankdata(values))})
    quantiles = []
    for n in [1, 2, 5, 10, 37]:
        values = rng.normal(size=n)
        probs = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
        quantiles.append({"values": floats(values), "probabilities": probs,
                          "quantiles": floats(np.quantile(values, probs))})
    write("ranks", {"cases": cases, "quantiles": quantiles})


# --- Kruskal-Wallis -----------------------------------------------------------------------

def kruskal_fixture(rng):
    cases = []
    for sizes, shift, tie_levels in [
        ([3, 3], 0.0, None), ([5, 4, 6], 0.5, None), ([10, 12, 9, 15], 0.3, None),
        ([8, 8, 8], 0.0, 5), ([20, 30], 0.2, 3), ([4, 2, 7, 1, 5], 1.0, None),
        ([30, 25, 20, 15, 10], 0.1, 10), ([2, 2], 0.0, None),
    ]:
        groups = []
        for i, size in enumerate(sizes):
            values = rng.normal(loc=i * shift, size=size)
            if tie_levels is not None:
                values = np.round(values * tie_levels / 3) / tie_levels
            groups.append(values)
        h, p = stats.kruskal(*groups)
        cases.append({"groups": [floats(g) for g in groups], "h": float(h), "p": float(p)})
    write("kruskal", {"cases": cases})


# --- Mann-Whitney U -----------------------------------------------------------------------

def mannwhitney_fixture(rng):
    cases = []
    shapes = [(n1, n2) for n1 in range(3, 9) for n2 in [3, 5, 8]]
    shapes += [(3, 20), (8, 40), (9, 9), (12, 15), (25, 30), (2, 60), (1, 5)]
    for n1, n2 in shapes:
        x = rng.normal(loc=0.6, size=n1)
        y = rng.normal(size=n2)
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
        cases.append({"x": floats(x), "y": floats(y), "u1": float(res.statistic),
                      "p": float(res.pvalue), "method": "exact"
                      if min(n1, n2) <= 8 else "asymptotic"})
    for n1, n2, levels in [(4, 6, 3), (8, 8, 4), (5, 30, 5), (20, 25, 4), (3, 3, 2), (15, 10, 2)]:
        x = rng.integers(0, levels, size=n1).astype(float)
        y = rng.integers(0, levels, size=n2).astype(float) + (rng.random() < 0.5)
        res = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
        cases.append({"x": floats(x), "y": floats(y), "u1": float(res.statistic),
                      "p": float(res.pvalue), "method": "asymptotic"})
    write("mannwhitney", {"cases": cases})


# --- Spearman -----------------------------------------------------------------------------

def spearman_fixture(rng):
    cases = []
    for n, coupling, levels in [(3, 1.0, None), (4, 0.0, None), (10, 0.5, None), (10, 0.8, 4),
                                (25, 0.3, None), (60, 0.1, 6), (100, -0.4, None), (8, 1.0, None)]:
        x = rng.normal(size=n)
        y = coupling * x + math.sqrt(max(0.0, 1 - coupling ** 2)) * rng.normal(size=n)
        if levels is not None:
            x = np.round(x * levels / 3)
            y = np.round(y * levels / 3)
        if n == 8:
            y = x ** 3  # monotone: rho = 1, p = 0
        res = stats.spearmanr(x, y)
        cases.append({"x": floats(x), "y": floats(y), "rho": float(res.statistic),
                      "p": float(res.pvalue)})
    write("spearman", {"cases": cases})


# --- multiple testing (statsmodels multipletests semantics, from the definitions) -----------

def holm(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    m = len(p)
    raw = p[order] * np.arange(m, 0, -1)
    adjusted_sorted = np.minimum(np.maximum.accumulate(raw), 1.0)
    out = np.empty(m)
    out[order] = adjusted_sorted
    return out


def benjamini_hochberg(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    m = len(p)
    raw = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum(np.minimum.accumulate(raw[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted_sorted
    return out


def multipletests_fixture(rng):
    cases = []
    for pvalues in [
        [0.01], [0.04, 0.01], [0.01, 0.02, 0.03, 0.04, 0.05],
        [0.5, 0.01, 0.01, 0.2, 0.0001, 0.04, 0.04, 1.0],
        list(rng.random(12) ** 3), list(rng.random(30)), [0.0, 0.0, 0.9, 0.3],
    ]:
        bh = benjamini_hochberg(pvalues)
        assert np.allclose(bh, stats.false_discovery_control(pvalues), rtol=1e-12, atol=0)
        cases.append({"p": floats(pvalues), "holm": floats(holm(pvalues)), "bh": floats(bh)})
    write("multipletests", {"cases": cases})


# --- effect sizes: Cliff's delta, AUC -----------------------------------------------------

def effects_fixture(rng):
    cases = []
    for n1, n2, levels in [(5, 7, None), (10, 10, 3), (1, 4, None), (30, 20, None), (12, 9, 2)]:
        a = rng.normal(loc=0.4, size=n1)
        b = rng.normal(size=n2)
        if levels is not None:
            a, b = np.round(a * levels), np.round(b * levels)
        greater = (a[:, None] > b[None, :]).sum()
        less = (a[:, None] < b[None, :]).sum()
        labels = np.r_[np.ones(n1), np.zeros(n2)]
        auc = metrics.roc_auc_score(labels, np.r_[a, b])
        cases.append({"a": floats(a), "b": floats(b),
                      "cliffs_delta": float((greater - less) / (n1 * n2)), "auc": float(auc)})
    write("effects", {"cases": cases})


# --- clustering agreement: ARI, NMI -------------------------------------------------------

def agreement_fixture(rng):
    cases = []
    for n, ka, kb, noise in [(10, 2, 2, 0.0), (20, 3, 4, 0.3), (50, 5, 5, 0.5), (100, 10, 4, 0.8),
                             (8, 1, 3, 1.0), (6, 1, 1, 0.0), (12, 12, 3, 1.0), (30, 4, 4, 0.0)]:
        a = rng.integers(0, ka, size=n)
        b = a % kb
        flip = rng.random(n) < noise
        b[flip] = rng.integers(0, kb, size=flip.sum())
        cases.append({"a": [int(v) for v in a], "b": [int(v) for v in b],
                      "ari": float(metrics.adjusted_rand_score(a, b)),
                      "nmi": float(metrics.normalized_mutual_info_score(a, b))})
    write("agreement", {"cases": cases})


# --- cosine geometry: silhouette, linkage, flat clusters ----------------------------------

def blobs(rng, n, d, k, spread):
    centers = rng.normal(size=(k, d))
    labels = rng.integers(0, k, size=n)
    return centers[labels] + spread * rng.normal(size=(n, d)), labels


def silhouette_fixture(rng):
    cases = []
    for n, d, k, spread in [(20, 5, 2, 0.3), (40, 16, 4, 0.6), (60, 32, 6, 1.0), (15, 3, 3, 2.0)]:
        x, _ = blobs(rng, n, d, k, spread)
        labels = rng.integers(0, k, size=n) if spread > 1.5 else (
            hierarchy.fcluster(hierarchy.linkage(x, "average", metric="cosine"), k, "maxclust"))
        if len(set(labels)) < 2:
            labels[0] = (labels[0] + 1) % k
        cases.append({"rows": n, "columns": d, "x": floats(x), "labels": [int(v) for v in labels],
                      "score": float(metrics.silhouette_score(x, labels, metric="cosine"))})
    # a singleton cluster (its sample scores 0)
    x, _ = blobs(rng, 12, 4, 2, 0.5)
    labels = np.r_[np.zeros(11, dtype=int), [1]]
    cases.append({"rows": 12, "columns": 4, "x": floats(x), "labels": [int(v) for v in labels],
                  "score": float(metrics.silhouette_score(x, labels, metric="cosine"))})
    write("silhouette", {"cases": cases})


def linkage_fixture(rng):
    cases = []
    for n, d, k, spread, duplicates in [(12, 4, 3, 0.4, 0), (30, 8, 4, 0.7, 0), (60, 16, 6, 1.0, 0),
                                        (100, 32, 5, 1.2, 0), (40, 10, 3, 0.5, 6)]:
        x, _ = blobs(rng, n, d, k, spread)
        for i in range(duplicates):  # repeated tokens have identical embeddings
            x[n - 1 - i] = x[i]
        y = distance.pdist(x, "cosine")
        z = hierarchy.linkage(x, method="average", metric="cosine")
        flat = {str(c): [int(v) for v in hierarchy.fcluster(z, c, criterion="maxclust")]
                for c in range(2, 11)}
        cases.append({"rows": n, "columns": d, "x": floats(x), "condensed": floats(y),
                      "linkage": [floats(row) for row in z], "maxclust": flat})
    write("linkage", {"cases": cases})


# --- Mantel: Spearman between condensed matrices, exact permutation p -----------------------

def mantel_fixture(rng):
    cases = []
    for n, coupling in [(5, 0.9), (6, 0.5), (7, 0.0), (7, -0.6)]:
        points = rng.normal(size=(n, 3))
        activations = coupling * points[:, 0] + (1 - abs(coupling)) * rng.normal(size=n)
        x = distance.pdist(activations[:, None], "cityblock")  # |delta activation|
        y = distance.pdist(points, "cosine")
        rho = stats.spearmanr(x, y).statistic
        square_y = distance.squareform(y)
        null = []
        for perm in itertools.permutations(range(n)):
            yp = distance.squareform(square_y[np.ix_(perm, perm)], checks=False)
            null.append(stats.spearmanr(x, yp).statistic)
        null = np.array(null)
        tol = 1e-12
        cases.append({"objects": n, "x": floats(x), "y": floats(y), "rho": float(rho),
                      "p_greater": float(np.mean(null >= rho - tol)),
                      "p_less": float(np.mean(null <= rho + tol)),
                      "p_two_sided": float(np.mean(np.abs(null) >= abs(rho) - tol))})
    write("mantel", {"cases": cases})


# --- repeated tokens and tied activations: identical vectors are one point ------------------

def exact_similarity(x):
    """Cosine similarities in which bitwise-equal rows are one point: computed once per distinct
    row and expanded, so duplicates have similarity exactly 1 and equal similarities elsewhere."""
    distinct, point = np.unique(x, axis=0, return_inverse=True)
    point = point.ravel()
    unit = distinct / np.linalg.norm(distinct, axis=1, keepdims=True)
    between = np.clip(unit @ unit.T, -1.0, 1.0)
    np.fill_diagonal(between, 1.0)
    return between[np.ix_(point, point)], point


def segment_sizes(n, count):
    return [n // count + (1 if i < n % count else 0) for i in range(count)]


def ties_fixture(rng):
    """Core tokens drawn with repetition from a small vocabulary (like a neuron indexed without
    --distinct-tokens) and activations with ties. Every rank statistic must see the exact ties."""
    cases = []
    for n, vocabulary, d, levels in [(40, 6, 8, 5), (60, 12, 16, None), (100, 20, 24, 8), (30, 3, 4, 3)]:
        words = rng.normal(size=(vocabulary, d))
        tokens = rng.integers(0, vocabulary, size=n)
        x = words[tokens]
        activations = rng.normal(size=n) + 0.3 * tokens
        if levels is not None:
            activations = np.round(activations * levels) / levels
        similarity, _ = exact_similarity(x)
        dist = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(dist, 0.0)
        condensed_distance = distance.squareform(dist, checks=False)
        gaps = distance.pdist(activations[:, None], "cityblock")
        mantel_rho = stats.spearmanr(gaps, condensed_distance).statistic

        # Equal-count deciles of the activation-sorted tokens (ties in index order); homogeneity =
        # mean pairwise similarity, summed exactly (fsum), so equal token sets tie exactly.
        order = np.argsort(activations, kind="stable")
        labels = np.empty(n, dtype=int)
        position = 0
        for segment, size in enumerate(segment_sizes(n, 10)):
            labels[order[position:position + size]] = segment
            position += size
        homogeneity = []
        for segment in range(10):
            members = np.flatnonzero(labels == segment)
            pairs = [similarity[a, b] for a, b in itertools.combinations(members, 2)]
            homogeneity.append(math.fsum(pairs) / len(pairs))
        trend = stats.spearmanr(np.arange(10), homogeneity)

        # Categories = the vocabulary's tokens grouped three ways (identical tokens together).
        clusters = tokens % 3
        groups = [activations[clusters == c] for c in range(3)]
        h, kw_p = stats.kruskal(*groups)
        pair_tests = []
        for a, b in itertools.combinations(range(3), 2):
            res = stats.mannwhitneyu(groups[a], groups[b], alternative="two-sided", method="auto")
            pair_tests.append({"first": a, "second": b, "u1": float(res.statistic), "p": float(res.pvalue)})
        silhouette = metrics.silhouette_score(dist, clusters, metric="precomputed")
        cases.append({"rows": n, "columns": d, "x": floats(x), "tokens": [int(t) for t in tokens],
                      "activations": floats(activations),
                      "mantel_rho": float(mantel_rho), "segments": [int(v) for v in labels],
                      "homogeneity": floats(homogeneity), "trend_rho": float(trend.statistic),
                      "trend_p": float(trend.pvalue), "clusters": [int(c) for c in clusters],
                      "kruskal_h": float(h), "kruskal_p": float(kw_p), "pairs": pair_tests,
                      "silhouette": float(silhouette)})
    write("ties", {"cases": cases})


def main():
    rng = np.random.default_rng(20250101)
    prng_fixture()
    special_fixture()
    ranks_fixture(rng)
    kruskal_fixture(rng)
    mannwhitney_fixture(rng)
    spearman_fixture(rng)
    multipletests_fixture(rng)
    effects_fixture(rng)
    agreement_fixture(rng)
    silhouette_fixture(rng)
    linkage_fixture(rng)
    mantel_fixture(rng)
    ties_fixture(rng)


if __name__ == "__main__":
    main()
