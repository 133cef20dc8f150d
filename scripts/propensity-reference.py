"""Reference for the purchase-propensity model (tests and benches only, never the product).

Input (JSON file): {"train": {"X": [[...]], "y": [...]}, "test": {"X": [[...]], "y": [...]} (optional),
"C": 1.0, "boosted": false, "scores": {"p": [...], "y": [...]} (optional)}.
Output: scikit-learn's LogisticRegression(C) coefficients and intercept fitted on train, its
probabilities on test, those of HistGradientBoostingClassifier when "boosted" is set, and for "scores"
roc_auc_score and log_loss of the given probabilities."""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score


def main():
    data = json.load(open(sys.argv[1]))
    out = {}
    if "train" in data:
        X = np.asarray(data["train"]["X"], float)
        y = np.asarray(data["train"]["y"], int)
        C = float(data.get("C", 1.0))
        model = LogisticRegression(C=C, tol=1e-12, max_iter=10000, solver="lbfgs").fit(X, y)
        out["coef"] = model.coef_[0].tolist()
        out["intercept"] = float(model.intercept_[0])
        if "test" in data:
            T = np.asarray(data["test"]["X"], float)
            out["p"] = model.predict_proba(T)[:, 1].tolist()
            if data.get("boosted"):
                boosted = HistGradientBoostingClassifier(random_state=0).fit(X, y)
                out["boosted"] = boosted.predict_proba(T)[:, 1].tolist()
    if "scores" in data:
        p = np.asarray(data["scores"]["p"], float)
        y = np.asarray(data["scores"]["y"], int)
        out["auc"] = float(roc_auc_score(y, p))
        out["logLoss"] = float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
