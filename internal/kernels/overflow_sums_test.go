package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxSumsOverflow: per-pixel CE and focal values near
// math.MaxFloat32, whose float32 block sums overflow, and logits that
// spread wider than math.MaxFloat32 within a pixel (x_y - max is -Inf in
// float32), with and without a zero class weight (0 * Inf): the float64
// sums of SoftmaxRange and SoftmaxFusedRange are right on every tier.
func TestSoftmaxSumsOverflow(t *testing.T) {
	const C, S = 3, 300
	type ocase struct {
		name    string
		lo, hi  float32 // the label's logit, another class's
		w       []float32
		focal   bool
		smooth  float32
		noAlpha bool
	}
	cases := []ocase{
		{name: "block sum", lo: -1e38, hi: 1e38, smooth: 0.1},
		{name: "block sum focal", lo: -1e38, hi: 1e38, focal: true},
		{name: "spread", lo: -3e38, hi: 3e38, smooth: 0.1},
		{name: "spread focal", lo: -3e38, hi: 3e38, focal: true, smooth: 0.2},
		{name: "spread zero weight", lo: -3e38, hi: 3e38, w: []float32{0, 1, 0.5}, smooth: 0.1},
		{name: "spread no smoothing", lo: -3e38, hi: 3e38},
	}
	forAllTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(9, 2))
		for _, oc := range cases {
			x := make([]float32, C*S)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			l := make([]int32, S)
			for i := range l {
				if i%3 == 0 { // every third pixel: the label at lo, class (y+1)%C at hi
					x[i] = oc.lo
					x[S+i] = oc.hi
				}
			}
			p := SoftmaxParams{C: C, Need: NeedCE, CEWeight: oc.w, Smoothing: oc.smooth, Gamma: 2, Scratch: make([]float32, ScratchLen(C))}
			c := SoftmaxCoef{C: C, CEScale: 1e-3, CEWeight: oc.w, Smoothing: oc.smooth, Scratch: p.Scratch}
			if oc.focal {
				p.Need |= NeedFocal
				p.Alpha = []float32{0.25, 0.5, 1}
				c.FocalScale, c.Alpha, c.Gamma = 1e-3, p.Alpha, p.Gamma
			}
			var ce, ws, foc float64
			for i := 0; i < S; i++ {
				a, b, f := softmaxPixel64(x, S, i, int(l[i]), &p)
				ce, ws, foc = ce+a, ws+b, foc+f
			}
			sums := func() SoftmaxSums[float64] {
				return SoftmaxSums[float64]{P: make([]float64, C), PY: make([]float64, C), Count: make([]float64, C), PP: make([]float64, C)}
			}
			out := sums()
			blk := newSums(C)
			if err := SoftmaxRange(x, S, 0, S, l, &p, &blk, &out); err != nil {
				t.Fatal(err)
			}
			fout := sums()
			g := make([]float32, C*S)
			if err := SoftmaxFusedRange(x, S, 0, S, l, &p, &c, &blk, &fout, g); err != nil {
				t.Fatal(err)
			}
			for k, o := range []SoftmaxSums[float64]{out, fout} {
				where := fmt.Sprintf("%s: %s", oc.name, [2]string{"SoftmaxRange", "SoftmaxFusedRange"}[k])
				if !relClose(o.CE, ce, 1e-6) || !relClose(o.W, ws, 1e-6) {
					t.Errorf("%s: CE %v W %v, float64 %v %v", where, o.CE, o.W, ce, ws)
				}
				if oc.focal && !relClose(o.Focal, foc, 1e-6) {
					t.Errorf("%s: focal %v, float64 %v", where, o.Focal, foc)
				}
				if o.Valid != S {
					t.Errorf("%s: Valid %v, want %d", where, o.Valid, S)
				}
			}
		}
	})
}

// TestSigmoidSumsOverflow: BCE and sigmoid focal values near
// math.MaxFloat32 (x = +-3e38 against the wrong target), whose float32
// block sums overflowed to +Inf: SigmoidPlane and SigmoidFused give the
// float64 sums on every tier, and the gradient stays finite.
func TestSigmoidSumsOverflow(t *testing.T) {
	type bcase struct {
		name string
		x, y []float32
	}
	cases := []bcase{{"issue", []float32{3e38, 3e38}, []float32{0, 0}}}
	r := rand.New(rand.NewPCG(9, 3))
	for _, n := range []int{37, BlockSize + 5, 3*BlockSize + 1} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			switch i % 4 {
			case 0:
				x[i], y[i] = 3e38, 0
			case 1:
				x[i], y[i] = -2e38, 1
			case 2:
				x[i], y[i] = -3e38, 0.5
			default:
				x[i], y[i] = float32(r.NormFloat64()), r.Float32()
			}
		}
		cases = append(cases, bcase{fmt.Sprintf("n=%d", n), x, y})
	}
	forAllTiers(t, func(t *testing.T, tr *tier) {
		for _, bc := range cases {
			for _, pw := range []float32{1, 3} {
				p := SigmoidParams{Need: NeedCE | NeedFocal | NeedRegion, PosWeight: pw, FocalAlpha: 0.25, FocalGamma: 2}
				c := SigmoidCoef{BCEScale: 1e-3, PosWeight: pw, FocalScale: 1e-3, FocalAlpha: 0.25, FocalGamma: 2}
				var bce, foc float64
				for i, v := range bc.x {
					bce += bce64(float64(v), float64(bc.y[i]), float64(pw))
					foc += sigmoidFocal64(float64(v), float64(bc.y[i]), 0.25, 2)
				}
				where := fmt.Sprintf("%s pw=%g", bc.name, pw)
				var blk SigmoidSums[float32]
				var out, fout SigmoidSums[float64]
				if err := SigmoidPlane(bc.x, bc.y, &p, &blk, &out); err != nil {
					t.Fatal(err)
				}
				g := make([]float32, len(bc.x))
				if err := SigmoidFused(bc.x, bc.y, &p, &c, &blk, &fout, g); err != nil {
					t.Fatal(err)
				}
				for k, o := range []SigmoidSums[float64]{out, fout} {
					name := [2]string{"SigmoidPlane", "SigmoidFused"}[k]
					if !relClose(o.BCE, bce, 1e-6) || !relClose(o.Focal, foc, 1e-6) {
						t.Errorf("%s: %s BCE %v focal %v, float64 %v %v", where, name, o.BCE, o.Focal, bce, foc)
					}
				}
				for i, v := range g {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s: gradient [%d] (x=%g y=%g) = %v", where, i, bc.x[i], bc.y[i], v)
					}
				}
			}
		}
	})
}
