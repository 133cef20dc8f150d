#!/usr/bin/python3
"""scikit-learn's text-clustering baselines for bench:quality and the lexical tests.

Reads a JSON file {"texts": [...], "k": K, "seed": S, "analyzer": "char"|"word", "ngram": [lo, hi]}
and prints JSON with cluster labels for
  tfidf: TfidfVectorizer(analyzer, ngram_range, sublinear_tf) + KMeans(k)
  lsa:   the same TF-IDF → TruncatedSVD(100) → Normalizer → KMeans(k)   (scikit-learn's LSA example)
and the seconds each took. Words for "word" are split by python3-jieba when the text has Chinese.
Run with Debian's /usr/bin/python3 (python3-sklearn, python3-jieba). A reference, never the product.
"""
import json
import sys
import time

from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer

with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
texts = [t.replace("\ufeff", "") for t in spec["texts"]]
k, seed = spec["k"], spec.get("seed", 0)
analyzer = spec.get("analyzer", "char")
lo, hi = spec.get("ngram", [1, 2])
if analyzer == "word":
    import jieba
    jieba.setLogLevel(60)
    vectorizer = TfidfVectorizer(tokenizer=lambda t: [w for w in jieba.lcut(t.lower()) if w.strip()], token_pattern=None, ngram_range=(lo, hi), sublinear_tf=True, min_df=2)
else:
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True, min_df=2)

out = {}
started = time.perf_counter()
x = vectorizer.fit_transform(texts)
out["tfidf"] = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x).tolist()
out["tfidf_seconds"] = time.perf_counter() - started
started = time.perf_counter()
lsa = make_pipeline(TruncatedSVD(n_components=100, random_state=seed), Normalizer(copy=False)).fit_transform(x)
out["lsa"] = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(lsa).tolist()
out["lsa_seconds"] = time.perf_counter() - started + out["tfidf_seconds"]
print(json.dumps(out))
