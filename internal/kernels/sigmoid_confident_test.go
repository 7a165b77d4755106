package kernels

import (
	"fmt"
	"math"
	"testing"
)

// Confident predictions: the BCE and sigmoid focal terms of logits far on
// the side of their target are tiny (log1p(exp(-|x|)), 9.4e-14 at |x| = 30)
// and must keep their relative accuracy, in every tier: a form that adds
// x and softplus(-x) for a target 0 and a logit x < 0 cancels (0 instead
// of 3.1e-7 at x = -15).

// softplus64 is log(1+exp(x)) in float64, without cancellation.
func softplus64(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// bce64 is torch's binary_cross_entropy_with_logits of one element with
// pos_weight pw: (1-y)*softplus(x) + pw*y*softplus(-x), both terms >= 0.
func bce64(x, y, pw float64) float64 { return (1-y)*softplus64(x) + pw*y*softplus64(-x) }

// sigmoidFocal64 is torchvision's sigmoid_focal_loss of one element, with
// 1-p_t = p*(1-y) + (1-p)*y and 1-p computed as sigmoid(-x).
func sigmoidFocal64(x, y, alpha, gamma float64) float64 {
	p, q := 1/(1+math.Exp(-x)), 1/(1+math.Exp(x))
	f := bce64(x, y, 1) * math.Pow(p*(1-y)+q*y, gamma)
	if alpha >= 0 {
		f *= alpha*y + (1-alpha)*(1-y)
	}
	return f
}

// confidentBlocks are blocks of confident right predictions: logits
// -30..-10 with target 0 (or a tiny soft target), their mirrors with target
// 1, and both mixed, each value alone and tiled over 37 and 69 elements
// (vector bodies and tails of every tier).
func confidentBlocks() []struct {
	name string
	x, y []float32
} {
	neg := []float32{-30, -20, -15, -12, -10}
	type blk = struct {
		name string
		x, y []float32
	}
	var bs []blk
	add := func(name string, xs []float32, y func(x float32) float32) {
		for _, v := range xs {
			bs = append(bs, blk{fmt.Sprintf("%s/x=%g", name, v), []float32{v}, []float32{y(v)}})
		}
		for _, n := range []int{37, 69} {
			x, ys := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = xs[i%len(xs)]
				ys[i] = y(x[i])
			}
			bs = append(bs, blk{fmt.Sprintf("%s/n=%d", name, n), x, ys})
		}
	}
	pos := make([]float32, len(neg))
	for i, v := range neg {
		pos[i] = -v
	}
	add("neg_y0", neg, func(float32) float32 { return 0 })
	add("pos_y1", pos, func(float32) float32 { return 1 })
	add("mixed", append(append([]float32{}, neg...), pos...), func(x float32) float32 {
		if x > 0 {
			return 1
		}
		return 0
	})
	add("neg_soft", neg, func(float32) float32 { return 0x1p-30 })
	add("pos_soft", pos, func(float32) float32 { return 1 - 0x1p-24 })
	return bs
}

// confidentRel is the relative accuracy the sums must hold against float64.
const confidentRel = 1e-6

// relErr is |got-want| relative to want, less a few float32 denormal steps
// per term (a focal term of gamma 2 at x = -30, 8e-40, is itself denormal).
func relErr(got float32, want float64, n int) float64 {
	d := math.Abs(float64(got)-want) - float64(4*n)*0x1p-149
	return max(d, 0) / math.Abs(want)
}

// TestSigmoidConfidentBCE checks the BCE sum of confident right
// predictions in every tier (the statistics and the fused kernels) against
// float64, with pos_weight 1, 2.5 and 0.4.
func TestSigmoidConfidentBCE(t *testing.T) {
	for _, tr := range tiers {
		for _, pw := range []float32{1, 2.5, 0.4} {
			for _, b := range confidentBlocks() {
				want := 0.0
				for i, v := range b.x {
					want += bce64(float64(v), float64(b.y[i]), float64(pw))
				}
				p := SigmoidParams{Need: NeedCE, PosWeight: pw, FocalAlpha: -1}
				var s SigmoidSums[float32]
				tr.sigmoidStats(b.x, b.y, nil, &p, &s)
				if e := relErr(s.BCE, want, len(b.x)); !(e <= confidentRel) {
					t.Errorf("%s pw=%g %s: BCE sum %.8g, float64 %.8g (rel err %.2g)", tr.name, pw, b.name, s.BCE, want, e)
				}
				c := SigmoidCoef{BCEScale: 1, PosWeight: pw, FocalAlpha: -1}
				tr.sigmoidFused(b.x, b.y, nil, &p, &c, &s, make([]float32, len(b.x)))
				if e := relErr(s.BCE, want, len(b.x)); !(e <= confidentRel) {
					t.Errorf("%s pw=%g %s: fused BCE sum %.8g, float64 %.8g (rel err %.2g)", tr.name, pw, b.name, s.BCE, want, e)
				}
			}
		}
	}
}

// TestSigmoidConfidentFocal is TestSigmoidConfidentBCE for the sigmoid
// focal sum (gamma 0, 1, 2; alpha 0.25 or none).
func TestSigmoidConfidentFocal(t *testing.T) {
	for _, tr := range tiers {
		for _, ag := range [][2]float32{{0.25, 0}, {-1, 0}, {0.25, 1}, {0.25, 2}, {-1, 2}} {
			alpha, gamma := ag[0], ag[1]
			for _, b := range confidentBlocks() {
				want := 0.0
				for i, v := range b.x {
					want += sigmoidFocal64(float64(v), float64(b.y[i]), float64(alpha), float64(gamma))
				}
				p := SigmoidParams{Need: NeedFocal, FocalAlpha: alpha, FocalGamma: gamma}
				var s SigmoidSums[float32]
				tr.sigmoidStats(b.x, b.y, nil, &p, &s)
				if e := relErr(s.Focal, want, len(b.x)); !(e <= confidentRel) {
					t.Errorf("%s alpha=%g gamma=%g %s: focal sum %.8g, float64 %.8g (rel err %.2g)", tr.name, alpha, gamma, b.name, s.Focal, want, e)
				}
				c := SigmoidCoef{FocalScale: 1, FocalAlpha: alpha, FocalGamma: gamma}
				tr.sigmoidFused(b.x, b.y, nil, &p, &c, &s, make([]float32, len(b.x)))
				if e := relErr(s.Focal, want, len(b.x)); !(e <= confidentRel) {
					t.Errorf("%s alpha=%g gamma=%g %s: fused focal sum %.8g, float64 %.8g (rel err %.2g)", tr.name, alpha, gamma, b.name, s.Focal, want, e)
				}
			}
		}
	}
}

// sigmoidFocalGrad64 is d(sigmoidFocal64)/dx: alpha_t * ((p-y)*(1-p_t)^g +
// ce*g*(1-p_t)^(g-1)*(1-2y)*p*q), p-y as p*(1-y) - q*y.
func sigmoidFocalGrad64(x, y, alpha, gamma float64) float64 {
	p, q := 1/(1+math.Exp(-x)), 1/(1+math.Exp(x))
	pt1 := p*(1-y) + q*y
	d := (p*(1-y) - q*y) * math.Pow(pt1, gamma)
	if gamma != 0 {
		d += bce64(x, y, 1) * gamma * math.Pow(pt1, gamma-1) * (1 - 2*y) * p * q
	}
	if alpha >= 0 {
		d *= alpha*y + (1-alpha)*(1-y)
	}
	return d
}

// TestSigmoidConfidentGrad checks every element of the BCE and sigmoid
// focal gradients of confident right predictions in every tier (gradient
// and fused kernels) against float64, relative to the element itself: p - y
// cancels for y = 1 and x >> 0 (0 instead of -2.1e-9 at x = 20).
func TestSigmoidConfidentGrad(t *testing.T) {
	type gcase struct {
		c   SigmoidCoef
		ref func(x, y float64) float64
	}
	var cs []gcase
	for _, pw := range []float32{1, 2.5, 0.4} {
		cs = append(cs, gcase{SigmoidCoef{BCEScale: 1, PosWeight: pw, FocalAlpha: -1},
			func(x, y float64) float64 { return (1-y)/(1+math.Exp(-x)) - float64(pw)*y/(1+math.Exp(x)) }})
	}
	for _, ag := range [][2]float32{{0.25, 0}, {-1, 0}, {0.25, 1}, {0.25, 2}, {-1, 2}} {
		alpha, gamma := ag[0], ag[1]
		cs = append(cs, gcase{SigmoidCoef{FocalScale: 1, FocalAlpha: alpha, FocalGamma: gamma},
			func(x, y float64) float64 { return sigmoidFocalGrad64(x, y, float64(alpha), float64(gamma)) }})
	}
	for _, tr := range tiers {
		for _, gc := range cs {
			for _, b := range confidentBlocks() {
				p := SigmoidParams{Need: NeedCE | NeedFocal, PosWeight: gc.c.PosWeight, FocalAlpha: gc.c.FocalAlpha, FocalGamma: gc.c.FocalGamma}
				var s SigmoidSums[float32]
				g, f := make([]float32, len(b.x)), make([]float32, len(b.x))
				tr.sigmoidGrad(b.x, b.y, nil, &gc.c, g)
				tr.sigmoidFused(b.x, b.y, nil, &p, &gc.c, &s, f)
				for i, v := range b.x {
					want := gc.ref(float64(v), float64(b.y[i]))
					for k, got := range []float32{g[i], f[i]} {
						if e := relErr(got, want, 1); !(e <= confidentRel) {
							t.Errorf("%s %+v %s [%d] (x=%g y=%g): %s gradient %.8g, float64 %.8g (rel err %.2g)",
								tr.name, gc.c, b.name, i, v, b.y[i], [2]string{"grad", "fused"}[k], got, want, e)
							break
						}
					}
				}
			}
		}
	}
}
