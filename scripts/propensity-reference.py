"""Reference for the purchase-propensity model (tests and benches only, never the product).

Input (JSON file): {"train": {"X": [[...]], "y": [...]}, "test": {"X": [[...]], "y": [...]} (optional),
"C": 1.0, "boosted": false, "scores": {"p": [...], "y": [...]} (optional),
"poisson": {"X": [[...]], "y": [...], "alpha": 1.0} (optional), "poissonMedians": [means] (optional)}.
Output: scikit-learn's LogisticRegression(C) coefficients and intercept fitted on train, its
probabilities on test, those of HistGradientBoostingClassifier when "boosted" is set, and for "scores"
roc_auc_score and log_loss of the given probabilities; for "poisson", PoissonRegressor(alpha)'s
coefficients, intercept and predicted means; for "poissonMedians", scipy's Poisson medians."""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from scipy.stats import poisson
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
    if "poisson" in data:
        X = np.asarray(data["poisson"]["X"], float)
        y = np.asarray(data["poisson"]["y"], float)
        # "fitFrom": rows before it are only predicted (a bench's customers), the rest are the training rows.
        start = int(data["poisson"].get("fitFrom", 0))
        model = PoissonRegressor(alpha=float(data["poisson"]["alpha"]), tol=1e-12, max_iter=10000, solver="newton-cholesky").fit(X[start:], y[start:])
        out["poisson"] = {"coef": model.coef_.tolist(), "intercept": float(model.intercept_), "mean": model.predict(X[: start or 50]).tolist()}
    if "poissonMedians" in data:
        out["poissonMedians"] = [float(poisson.median(m)) for m in data["poissonMedians"]]
    if "scores" in data:
        p = np.asarray(data["scores"]["p"], float)
        y = np.asarray(data["scores"]["y"], int)
        out["auc"] = float(roc_auc_score(y, p))
        out["logLoss"] = float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15)))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
