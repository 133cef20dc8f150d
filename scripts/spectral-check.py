# Reference for src/clustering/spectral.ts: scikit-learn's SpectralClustering on a k-nearest-neighbour
# graph, and the normalised Laplacian's smallest eigenvalues of the same graph (scipy's ARPACK).
# Input JSON: { points: [[...]], k, neighbours, eigenvalues, regularisation }. Output: { labels,
# eigenvalues, regularised }: `regularised` are the smallest eigenvalues of the normalised Laplacian of
# A + (tau/n)·11ᵀ, tau = regularisation × mean degree (Qin & Rohe 2013), from a dense eigh.
import json, sys
import numpy as np
from scipy.sparse.csgraph import laplacian
from scipy.sparse.linalg import eigsh
from sklearn.cluster import SpectralClustering
from sklearn.neighbors import kneighbors_graph

spec = json.load(open(sys.argv[1]))
x = np.asarray(spec['points'], dtype=np.float64)
labels = SpectralClustering(n_clusters=spec['k'], affinity='nearest_neighbors', n_neighbors=spec['neighbours'], random_state=0, n_init=10).fit(x).labels_
a = kneighbors_graph(x, spec['neighbours'], include_self=False)
a = 0.5 * (a + a.T)
values = np.sort(eigsh(laplacian(a, normed=True), k=spec['eigenvalues'], which='SA', tol=1e-10)[0])
dense = a.toarray()
n = dense.shape[0]
tau = spec.get('regularisation', 0) * dense.sum() / n
dense = dense + tau / n
d = dense.sum(axis=1)
s = 1 / np.sqrt(d)
regularised = np.sort(np.linalg.eigvalsh(np.eye(n) - s[:, None] * dense * s[None, :]))[: spec['eigenvalues']]
print(json.dumps({'labels': labels.tolist(), 'eigenvalues': values.tolist(), 'regularised': regularised.tolist()}))
