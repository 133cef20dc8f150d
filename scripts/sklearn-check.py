#!/usr/bin/python3
"""scikit-learn's view of a clustering, for test/clustering/sklearn-parity.test.ts and bench:segment.

Reads a binary file written by the TypeScript side: a JSON header line {"rows", "dim", "k", "n_init"},
then rows*dim float32 (little-endian) and rows int32 labels. Prints JSON: the inertia of
sklearn.cluster.KMeans (same k, k-means++, n_init) fitted on the data, the seconds it took, and
silhouette_score, davies_bouldin_score and calinski_harabasz_score of the GIVEN labels.
Run with Debian's /usr/bin/python3 (python3-sklearn).
"""
import json
import resource
import sys
import time

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

with open(sys.argv[1], "rb") as f:
    header = json.loads(f.readline())
    rows, dim, k = header["rows"], header["dim"], header["k"]
    x = np.frombuffer(f.read(rows * dim * 4), dtype="<f4").reshape(rows, dim).astype(np.float64)
    labels = np.frombuffer(f.read(rows * 4), dtype="<i4")

out = {}
if header.get("fit", True):
    started = time.perf_counter()
    if header.get("minibatch"):
        model = MiniBatchKMeans(n_clusters=k, init="k-means++", n_init=header.get("n_init", 3), random_state=0, batch_size=2048)
    else:
        model = KMeans(n_clusters=k, init="k-means++", n_init=header.get("n_init", 4), random_state=0)
    model.fit(x)
    out["seconds"] = time.perf_counter() - started
    out["inertia"] = float(model.inertia_)
if header.get("metrics", True):
    out["silhouette"] = float(silhouette_score(x, labels))
    out["davies_bouldin"] = float(davies_bouldin_score(x, labels))
    out["calinski_harabasz"] = float(calinski_harabasz_score(x, labels))
out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
