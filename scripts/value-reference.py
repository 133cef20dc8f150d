"""Reference fit of the value models (tests and benches only, never the product): the BG/NBD, MBG/NBD and
Gamma-Gamma likelihoods of `lifetimes` (BetaGeoFitter, ModifiedBetaGeoFitter, GammaGammaFitter), maximised by scipy over
log-parameters, and the conditional expectations with scipy's special functions.

Input (JSON file): {"bgnbd" or "mbgnbd": {"x": [...], "tx": [...], "T": [...], "penalizer": 0}, "gg": {"x": [...], "m": [...]},
"predict": {"t": days, "x": [...], "tx": [...], "T": [...]}}. Output: the fitted parameters and the
predictions for the "predict" customers."""
import json
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


def bgnbd_nll(log_params, x, tx, T, penalizer=0.0):
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(tx + alpha)
    m = np.maximum(a3, a4)
    ll = a1 + a2 + np.log(np.exp(a3 - m) + np.exp(a4 - m) * (x > 0)) + m
    # lifetimes' penalizer_coef: penalizer * sum(params ** 2) added to the mean.
    return -ll.sum() / len(x) + penalizer * np.sum(np.exp(log_params) ** 2)


def mbgnbd_nll(log_params, x, tx, T, penalizer=0.0):
    # lifetimes' ModifiedBetaGeoFitter: one more chance to leave, right after the first purchase.
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    ll = a1 + a2 + a3 + np.logaddexp(a4, 0)
    return -ll.sum() / len(x) + penalizer * np.sum(np.exp(log_params) ** 2)


def gg_nll(log_params, x, m):
    p, q, v = np.exp(log_params)
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
          + (p * x - 1) * np.log(m) + (p * x) * np.log(x) - (p * x + q) * np.log(x * m + v))
    return -ll.sum() / len(x)


def fit(nll, start, args):
    # Nelder-Mead to get close (what lifetimes does), then BFGS to a tight gradient.
    first = minimize(nll, np.log(start), args=args, method="Nelder-Mead", options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-14})
    final = minimize(nll, first.x, args=args, method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
    best = final if final.fun <= first.fun else first
    return np.exp(best.x), -best.fun * len(args[0])


def fit_repeat_model(nll, d, out, name):
    """BG/NBD or MBG/NBD as lifetimes fits them: time rescaled so that the oldest customer is 10 units
    old (the penalty then means what penalizer_coef means there), alpha scaled back afterwards; the
    parameters and the log-likelihood in days go to out[name]."""
    x, tx, T = (np.asarray(d[k], dtype=float) for k in ("x", "tx", "T"))
    penalizer = float(d.get("penalizer", 0.0))
    scale = 10.0 / T.max() if T.max() > 0 else 1.0
    params, _ = fit(nll, [1.0, max(scale, (T * scale).mean()), 1.0, 1.0], (x, tx * scale, T * scale, penalizer))
    params[1] /= scale
    ll = -nll(np.log(params), x, tx, T) * len(x)
    out[name] = {"r": params[0], "alpha": params[1], "a": params[2], "b": params[3], "logLikelihood": ll}
    return params


def main():
    data = json.load(open(sys.argv[1]))
    out = {}
    if "bgnbd" in data:
        params = fit_repeat_model(bgnbd_nll, data["bgnbd"], out, "bgnbd")
        if "predict" in data:
            p = data["predict"]
            r, alpha, a, b = params
            px, ptx, pT, t = np.asarray(p["x"], float), np.asarray(p["tx"], float), np.asarray(p["T"], float), float(p["t"])
            log_div = (r + px) * np.log((alpha + pT) / (alpha + ptx)) + np.log(a / (b + np.maximum(px, 1) - 1))
            p_alive = np.where(px == 0, 1.0, 1.0 / (1 + np.exp(log_div)))
            hyp = hyp2f1(r + px, b + px, a + b + px - 1, t / (alpha + pT + t))
            first = (a + b + px - 1) / (a - 1)
            second = 1 - hyp * ((alpha + pT) / (alpha + t + pT)) ** (r + px)
            denom = 1 + (px > 0) * (a / (b + px - 1)) * ((alpha + pT) / (alpha + ptx)) ** (r + px)
            out["predict"] = {"pAlive": p_alive.tolist(), "expected": (first * second / denom).tolist()}
    if "mbgnbd" in data:
        params = fit_repeat_model(mbgnbd_nll, data["mbgnbd"], out, "mbgnbd")
        if "predict" in data:
            # lifetimes' ModifiedBetaGeoFitter.conditional_probability_alive and
            # conditional_expected_number_of_purchases_up_to_time.
            p = data["predict"]
            r, alpha, a, b = params
            px, ptx, pT, t = np.asarray(p["x"], float), np.asarray(p["tx"], float), np.asarray(p["T"], float), float(p["t"])
            denom = 1 + (a / (b + px)) * ((alpha + pT) / (alpha + ptx)) ** (r + px)
            hyp = hyp2f1(r + px, b + px + 1, a + b + px, t / (alpha + pT + t))
            first = (a + b + px) / (a - 1)
            second = 1 - hyp * ((alpha + pT) / (alpha + t + pT)) ** (r + px)
            out["mbgPredict"] = {"pAlive": (1 / denom).tolist(), "expected": (first * second / denom).tolist()}
    if "gg" in data:
        d = data["gg"]
        x, m = np.asarray(d["x"], float), np.asarray(d["m"], float)
        params, ll = fit(gg_nll, [1.0, 2.0, max(1.0, m.mean())], (x, m))
        out["gg"] = {"p": params[0], "q": params[1], "v": params[2], "logLikelihood": ll}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
