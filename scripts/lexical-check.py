#!/usr/bin/python3
"""References for test/lexical: exact singular values of a sparse matrix (numpy's dense SVD) and
scikit-learn's normalized_mutual_info_score of two labelings.

Reads a JSON file {"columns": C, "rows": [[indices], [values]]..., "a": [...], "b": [...]} and prints
{"singular_values": [...], "nmi": x}. Run with Debian's /usr/bin/python3. A reference, never the product.
"""
import json
import sys

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
out = {}
if "rows" in spec:
    x = np.zeros((len(spec["rows"]), spec["columns"]))
    for i, (indices, values) in enumerate(spec["rows"]):
        x[i, indices] = values
    out["singular_values"] = np.linalg.svd(x, compute_uv=False).tolist()
if "a" in spec:
    out["nmi"] = float(normalized_mutual_info_score(spec["a"], spec["b"]))
print(json.dumps(out))
