package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Finite logits near the float32 limit (issue finding 9): the label
// smoothing sum over classes, and block sums of values near
// math.MaxFloat32, must not overflow where the true value is finite.

// softmaxPixel64 returns the CE and focal terms of pixel i (label y) of an
// image of C planes of S pixels in float64, from their definitions:
// (1-eps)*w_y*(-log p_y) + eps/C*sum_k w_k*(-log p_k) and
// alpha_y*(1-p_y)^gamma*(-log p_y).
func softmaxPixel64(x []float32, S, i, y int, p *SoftmaxParams) (ce, w, foc float64) {
	C := p.C
	mx := math.Inf(-1)
	for c := 0; c < C; c++ {
		mx = math.Max(mx, float64(x[c*S+i]))
	}
	var sum float64
	for c := 0; c < C; c++ {
		sum += math.Exp(float64(x[c*S+i]) - mx)
	}
	lse := math.Log(sum)
	nll := func(c int) float64 { return lse - (float64(x[c*S+i]) - mx) }
	wt := func(c int) float64 {
		if p.CEWeight == nil {
			return 1
		}
		return float64(p.CEWeight[c])
	}
	eps := float64(p.Smoothing)
	ce = (1 - eps) * wt(y) * nll(y)
	for c := 0; c < C; c++ {
		ce += eps / float64(C) * wt(c) * nll(c)
	}
	pt := math.Exp(-nll(y))
	foc = math.Pow(1-pt, float64(p.Gamma)) * nll(y)
	if p.Alpha != nil {
		foc *= float64(p.Alpha[y])
	}
	return ce, wt(y), foc
}

// relClose reports whether got is finite and within rel of want.
func relClose(got, want, rel float64) bool {
	return !math.IsInf(got, 0) && !math.IsNaN(got) && math.Abs(got-want) <= rel*math.Abs(want)
}

// hugeLogitImage is C = 4 planes of S pixels of logits ~N(0,1), with +3e38
// in class big of pixel at, labelled lab, and random labels elsewhere.
func hugeLogitImage(r *rand.Rand, S, at, big int, lab uint8) ([]float32, []uint8) {
	const C = 4
	x := make([]float32, C*S)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	x[big*S+at] = 3e38
	l := make([]uint8, S)
	for i := range l {
		l[i] = uint8(r.IntN(C))
	}
	l[at] = lab
	return x, l
}

// TestSmoothingHugeLogit: CE with label smoothing 0.1, C = 4 and one logit
// at +3e38 in a block. The smoothing sum eps/C*sum_k (max - x_k) is 2.25e37;
// summed unscaled, the C-1 terms of -3e38 overflowed to -Inf (+Inf loss),
// in the statistics and the fused kernels of every tier.
func TestSmoothingHugeLogit(t *testing.T) {
	const C, S = 4, 37
	type pcase struct {
		name   string
		need   Flags
		weight bool
	}
	cases := []pcase{
		{"product", NeedCE, false},
		{"weighted", NeedCE, true},
		{"ce+focal", NeedCE | NeedFocal, false},
		{"weighted+focal+region", NeedCE | NeedFocal | NeedRegion, true},
	}
	forAllTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(9, 1))
		for _, pc := range cases {
			for _, at := range []int{0, 5, 33, 36} { // vector bodies and tails
				for _, lab := range []uint8{2, 1} { // the huge class, another
					x, l := hugeLogitImage(r, S, at, 2, lab)
					p := SoftmaxParams{C: C, Need: pc.need, Smoothing: 0.1, Gamma: 2, Scratch: make([]float32, ScratchLen(C))}
					if pc.weight {
						p.CEWeight = []float32{0.5, 1, 0.25, 0.75}
					}
					var ce, ws, foc float64
					for i := 0; i < S; i++ {
						c, w, f := softmaxPixel64(x, S, i, int(l[i]), &p)
						ce, ws, foc = ce+c, ws+w, foc+f
					}
					where := fmt.Sprintf("%s at=%d label=%d", pc.name, at, lab)
					s := newSums(C)
					if err := SoftmaxBlock(x, S, 0, S, l, &p, &s); err != nil {
						t.Fatal(err)
					}
					if !relClose(float64(s.CE), ce, 1e-5) || !relClose(float64(s.W), ws, 1e-6) {
						t.Errorf("%s: block CE %v W %v, float64 %v %v", where, s.CE, s.W, ce, ws)
					}
					if pc.need&NeedFocal != 0 && !relClose(float64(s.Focal), foc, 1e-5) {
						t.Errorf("%s: block focal %v, float64 %v", where, s.Focal, foc)
					}
					// the fused pass, with the same parameters
					c := SoftmaxCoef{C: C, CEScale: 1e-3, CEWeight: p.CEWeight, Smoothing: p.Smoothing, Scratch: p.Scratch}
					if pc.need&NeedFocal != 0 {
						c.FocalScale, c.Gamma = 1e-3, p.Gamma
					}
					q := p
					q.Need &^= NeedRegion
					var out SoftmaxSums[float64]
					var blk SoftmaxSums[float32]
					g := make([]float32, C*S)
					if err := SoftmaxFusedRange(x, S, 0, S, l, &q, &c, &blk, &out, g); err != nil {
						t.Fatal(err)
					}
					if !relClose(float64(blk.CE), ce, 1e-5) {
						t.Errorf("%s: fused block CE %v, float64 %v", where, blk.CE, ce)
					}
					for k, v := range g {
						if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
							t.Fatalf("%s: gradient [%d] = %v", where, k, v)
						}
					}
				}
			}
		}
	})
}

// TestSigmoidFocalGradHuge: the sigmoid focal gradient at |x| = 3e38 is
// finite on every tier (ce*gamma overflowed before p*q = 0 multiplied it:
// NaN at x = 3e38, y = 0).
func TestSigmoidFocalGradHuge(t *testing.T) {
	x := []float32{3e38, -3e38, 3e38, -3e38, 2e38, -1e38, 0.5}
	y := []float32{0, 1, 0.5, 0.25, 1, 0, 0.75}
	for _, tr := range tiers {
		for _, gamma := range []float32{2, 1.5, 0.5} {
			c := SigmoidCoef{FocalScale: 1, FocalAlpha: 0.25, FocalGamma: gamma}
			p := SigmoidParams{Need: NeedFocal, FocalAlpha: 0.25, FocalGamma: gamma}
			g, f := make([]float32, len(x)), make([]float32, len(x))
			var s SigmoidSums[float32]
			tr.sigmoidGrad(x, y, nil, &c, g)
			tr.sigmoidFused(x, y, nil, &p, &c, &s, f)
			for i := range x {
				want := sigmoidFocalGrad64(float64(x[i]), float64(y[i]), 0.25, float64(gamma))
				if want != want { // 0 * Inf where 1-p_t = 0 (a confident right prediction, gamma < 1)
					want = 0
				}
				for k, got := range []float32{g[i], f[i]} {
					if !(math.Abs(float64(got)-want) <= 1e-6*math.Max(1, math.Abs(want))) {
						t.Errorf("%s gamma=%g x=%g y=%g: %s gradient %v, float64 %v", tr.name, gamma, x[i], y[i], [2]string{"grad", "fused"}[k], got, want)
					}
				}
			}
		}
	}
}
