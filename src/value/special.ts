// Special functions from stdlib (kept, each checked against Cephes/Boost there): the log-gamma and the
// Gauss hypergeometric function the BG/NBD and Gamma–Gamma formulas need.
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';

export { gammaln, hyp2f1 };
