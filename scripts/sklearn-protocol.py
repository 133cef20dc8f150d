#!/usr/bin/python3
"""scikit-learn running the service's segmentation protocol, for bench:segment's same-run ratio.

The protocol (src/clustering/choose-k.ts): every k in [k_min, k_max] fitted with k-means++ and n_init
restarts on a seeded sample of at most fit_sample rows; silhouette on a sample of at most
silhouette_sample of those, Davies-Bouldin and Calinski-Harabasz on the fit sample; among the k whose
smallest cluster holds at least min_share of the sample, the highest silhouette wins, a smaller k
within `tie` of the best preferred; then one k-means on all rows started from that k's centres.

With "algorithm": "spectral" in the header, the service's default instead (src/clustering/spectral.ts):
on the fit sample, the `neighbours`-nearest-neighbour graph symmetrised and regularised
(`regularisation` × the mean degree spread over every pair), the normalised adjacency's leading
eigenvectors (ARPACK), for every k the rows of the first k scaled to unit length and clustered by
k-means; k is chosen (same eligibility) by the silhouette of those rows in the embedding times the
relative eigengap after k to the power `eigengap_power` (choose-k.ts: eigengapScore, with
`eigengap_noise`); then every row is assigned to the nearest centre (in the original space) of the
chosen groups.

Reads a binary file: a JSON header line {"rows", "dim", "k_min", "k_max", "n_init", "fit_sample",
"silhouette_sample", "min_share", "tie", "seed", "algorithm"?, "neighbours"?, "eigengap_noise"?,
"eigengap_power"?, "regularisation"?}, then rows*dim float32 (little-endian). Works in float32, as
the service does. Prints JSON: k, inertia, seconds (choosing k, final fit, total), peak RSS.
Run with Debian's /usr/bin/python3 (python3-sklearn). A baseline, never the product.
"""
import json
import resource
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

with open(sys.argv[1], "rb") as f:
    h = json.loads(f.readline())
    x = np.frombuffer(f.read(h["rows"] * h["dim"] * 4), dtype="<f4").reshape(h["rows"], h["dim"])


def spectral(x, h):
    from scipy.sparse.linalg import LinearOperator, eigsh
    from sklearn.metrics import pairwise_distances_argmin_min
    from sklearn.neighbors import kneighbors_graph

    started = time.perf_counter()
    rng = np.random.default_rng(h["seed"])
    fit = x[rng.choice(len(x), h["fit_sample"], replace=False)] if len(x) > h["fit_sample"] else x
    sil = rng.choice(len(fit), min(len(fit), h["silhouette_sample"]), replace=False)
    a = kneighbors_graph(fit, h["neighbours"], include_self=False)
    a = (0.5 * (a + a.T)).tocsr()
    d = np.asarray(a.sum(axis=1)).ravel()
    # The service's regularised graph A + (tau/n) 11^T, tau a share of the mean degree (spectral.ts).
    n = a.shape[0]
    tau = h.get("regularisation", 0.0) * d.mean()
    scale = 1 / np.sqrt(d + tau)

    def multiply(v):
        v = np.asarray(v).ravel()
        return scale * (a @ (scale * v)) + (tau / n) * scale * np.dot(scale, v)

    s = LinearOperator((n, n), matvec=multiply, dtype=np.float64)
    values, vectors = eigsh(s, k=h["k_max"] + 1, which="LA")
    order = np.argsort(-values)
    vectors = vectors[:, order]
    lam = 1 - values[order]  # the normalised Laplacian's smallest eigenvalues

    def eigengap(k):
        return max(0.0, lam[k] - lam[k - 1]) / (lam[k] - lam[1] + h["eigengap_noise"])
    tried = []
    for k in range(h["k_min"], h["k_max"] + 1):
        u = vectors[:, :k] / np.linalg.norm(vectors[:, :k], axis=1, keepdims=True)
        labels = KMeans(n_clusters=k, init="k-means++", n_init=h["n_init"], random_state=h["seed"] + k).fit(u).labels_
        tried.append({
            "k": k,
            "silhouette": float(silhouette_score(u[sil], labels[sil])),
            "smallest": float(np.bincount(labels, minlength=k).min() / len(fit)),
            "gap": eigengap(k),
            "labels": labels,
        })
    eligible = [t for t in tried if t["smallest"] >= h["min_share"]] or tried
    chosen = max(eligible, key=lambda t: t["silhouette"] * t["gap"] ** h["eigengap_power"])
    choosing = time.perf_counter() - started
    centres = np.stack([fit[chosen["labels"] == c].mean(axis=0) for c in range(chosen["k"])])
    _, distances = pairwise_distances_argmin_min(x, centres)
    total = time.perf_counter() - started
    return chosen["k"], float((distances.astype(np.float64) ** 2).sum()), choosing, total


if h.get("algorithm") == "spectral":
    k, inertia, choosing, total = spectral(x, h)
    print(json.dumps({"k": k, "inertia": inertia, "seconds_choosing": choosing, "seconds_final": total - choosing, "seconds": total,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    sys.exit(0)

started = time.perf_counter()
rng = np.random.default_rng(h["seed"])
fit = x[rng.choice(len(x), h["fit_sample"], replace=False)] if len(x) > h["fit_sample"] else x
sil = rng.choice(len(fit), min(len(fit), h["silhouette_sample"]), replace=False)
tried = []
for k in range(h["k_min"], h["k_max"] + 1):
    model = KMeans(n_clusters=k, init="k-means++", n_init=h["n_init"], random_state=h["seed"] + k).fit(fit)
    smallest = np.bincount(model.labels_, minlength=k).min() / len(fit)
    tried.append({
        "k": k,
        "silhouette": float(silhouette_score(fit[sil], model.labels_[sil])),
        "davies_bouldin": float(davies_bouldin_score(fit, model.labels_)),
        "calinski_harabasz": float(calinski_harabasz_score(fit, model.labels_)),
        "smallest": float(smallest),
        "centres": model.cluster_centers_,
    })
eligible = [t for t in tried if t["smallest"] >= h["min_share"]] or tried
best = max(t["silhouette"] for t in eligible)
chosen = next(t for t in eligible if t["silhouette"] >= best - h["tie"])
choosing = time.perf_counter() - started
final = KMeans(n_clusters=chosen["k"], init=chosen["centres"], n_init=1).fit(x)
total = time.perf_counter() - started
print(json.dumps({
    "k": chosen["k"],
    "inertia": float(final.inertia_),
    "seconds_choosing": choosing,
    "seconds_final": total - choosing,
    "seconds": total,
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
