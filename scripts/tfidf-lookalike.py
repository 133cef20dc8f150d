#!/usr/bin/python3
"""The TF-IDF lookalike baseline of bench:quality: customers ranked by cosine similarity of their
TF-IDF row (scikit-learn TfidfVectorizer, sublinear tf, words) to the mean of the seeds' rows.

Reads {"documents": [...], "tasks": [{"seeds": [row, ...], "size": n}, ...]} and prints
{"ranked": [[row, ...], ...]} (seeds excluded). Run with Debian's /usr/bin/python3. A baseline only.
"""
import json
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
x = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(spec["documents"])
out = []
for task in spec["tasks"]:
    seeds = task["seeds"]
    centre = np.asarray(x[seeds].mean(axis=0)).ravel()
    scores = x @ centre
    scores[seeds] = -np.inf
    out.append(np.argsort(-scores, kind="stable")[: task["size"]].tolist())
print(json.dumps({"ranked": out}))
