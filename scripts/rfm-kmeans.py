#!/usr/bin/python3
"""The RFM-only baseline of bench:quality: scikit-learn KMeans on standardised log recency, frequency
and monetary value, at a given k.

Reads a JSON file {"rows": [[recency_days, frequency, monetary], ...], "k": K, "seed": S} and prints
{"labels": [...]}. Run with Debian's /usr/bin/python3 (python3-sklearn). A baseline, never the product.
"""
import json
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
x = np.log1p(np.maximum(np.array(spec["rows"], dtype=float), 0))
x = StandardScaler().fit_transform(x)
labels = KMeans(n_clusters=spec["k"], n_init=10, random_state=spec.get("seed", 0)).fit_predict(x)
print(json.dumps({"labels": labels.tolist()}))
