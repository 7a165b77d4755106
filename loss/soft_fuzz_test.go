package loss

import (
	"errors"
	"math"
	"testing"
)

// FuzzSoft decodes the fuzzer's bytes into a shape, logits (extreme values
// included), probability targets (invalid ones sometimes) and a loss of CE
// and region terms, and checks BackwardSoft: an invalid target is ErrLabel
// with nothing written; otherwise 1 and 2 workers give the same bits,
// ForwardSoft's value is BackwardSoft's, finite inputs give a finite value
// and gradient, and one-hot targets give the class-index loss and gradient
// (within float32 rounding). Nothing panics.
func FuzzSoft(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x01\x02\x03\x04\x05", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7", "\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := newFzIn(data)
		sh := Shape{N: 1 + in.n(3), C: 1 + in.n(5), S: 1 + in.n(40)}
		m := &Multiclass{}
		tm := in.byte()
		nReg := int(tm>>1) % 3
		if tm&1 != 0 || nReg == 0 {
			m.Terms = append(m.Terms, Weighted{pick(in, fzTermWeights), &CrossEntropy{LabelSmoothing: fzSmoothing(in), Reduction: pick(in, []Reduction{Mean, Sum, PixelMean}),
				Weight: func() []float32 {
					if in.n(3) == 0 {
						return fzWeights(in, sh.C, []float32{1, 1, 1e-3, 1e30})
					}
					return nil
				}()}})
		}
		for range nReg {
			r := &Region{Kind: RegionKind(in.n(3)), SmoothNum: pick(in, fzSmooth), SmoothDen: pick(in, fzSmooth)}
			if r.Kind == TverskyRatio {
				r.Alpha, r.Beta = pick(in, fzRatios), pick(in, fzRatios)
			}
			fl := in.byte()
			r.PerImage, r.ExcludeBackground = fl&1 != 0, fl&4 != 0 && sh.C > 1
			r.SoftLabel = fl&2 != 0
			r.Squared = !r.SoftLabel && fl&8 != 0
			m.Terms = append(m.Terms, Weighted{pick(in, fzTermWeights), r})
		}
		x, _ := fzLogits(in, sh)
		y := make([]float32, sh.Len())
		onehot := in.n(3) == 0
		lab := make([]int32, sh.N*sh.S)
		for n := 0; n < sh.N; n++ {
			for i := 0; i < sh.S; i++ {
				if onehot {
					k := in.bulk(sh.C)
					lab[n*sh.S+i] = int32(k)
					y[(n*sh.C+k)*sh.S+i] = 1
					continue
				}
				for c := 0; c < sh.C; c++ {
					y[(n*sh.C+c)*sh.S+i] = pick(in, []float32{0, 1, 0.5, 0.25, 1e-30, 0.999999, float32(in.bulk(1000)) / 1000})
				}
			}
		}
		bad := in.n(8) == 0
		if bad {
			y[in.bulk(len(y))] = pick(in, []float32{-1e-30, 1.0000001, float32(math.NaN()), float32(math.Inf(1)), -1})
		}
		var ws Workspace
		defer ws.Close()
		g1, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
		for i := range g1 {
			g1[i] = -7
		}
		m.Workers = 1
		v1, err1 := m.BackwardSoft(&ws, x, y, sh, g1)
		if bad {
			if !errors.Is(err1, ErrLabel) {
				t.Fatalf("a bad target: error %v, want ErrLabel", err1)
			}
			for i, v := range g1 {
				if v != -7 {
					t.Fatalf("grad[%d] written on an error", i)
				}
			}
			return
		}
		if err1 != nil {
			if errors.Is(err1, ErrRange) {
				return // a gradient beyond float32 (weights of 1e30): the documented refusal
			}
			t.Fatalf("BackwardSoft: %v", err1)
		}
		m.Workers = 2
		v2, err2 := m.BackwardSoft(&ws, x, y, sh, g2)
		f2, errf := m.ForwardSoft(&ws, x, y, sh)
		if err2 != nil || errf != nil {
			t.Fatal(err2, errf)
		}
		if math.Float64bits(v1) != math.Float64bits(v2) && !(v1 != v1 && v2 != v2) {
			t.Fatalf("value %v with 1 worker, %v with 2", v1, v2)
		}
		if math.Float64bits(f2) != math.Float64bits(v2) && !(f2 != f2 && v2 != v2) {
			t.Fatalf("ForwardSoft %v, BackwardSoft %v", f2, v2)
		}
		finite := true
		for _, v := range x {
			finite = finite && !math.IsInf(float64(v), 0) && v == v
		}
		for i := range g1 {
			if math.Float32bits(g1[i]) != math.Float32bits(g2[i]) && !(g1[i] != g1[i] && g2[i] != g2[i]) {
				t.Fatalf("grad[%d] %v with 1 worker, %v with 2", i, g1[i], g2[i])
			}
			if finite && (math.IsInf(float64(g1[i]), 0) || g1[i] != g1[i]) {
				t.Fatalf("finite inputs, grad[%d] = %v", i, g1[i])
			}
		}
		if finite && (math.IsInf(v1, 0) || v1 != v1) {
			t.Fatalf("finite inputs, value %v", v1)
		}
		if !onehot || !finite || sh.C == 1 {
			// C = 1: p = 1, every gradient exactly 0 in float64, float32
			// rounding of the CE scale (1e28 here) in the class-index path
			return
		}
		for _, v := range x {
			if math.Abs(float64(v)) > 4 {
				// Confident pixels: the class-index path's float32 p keeps
				// few digits of 1-p (logits 13 apart: 1-p = 2e-6 against an
				// ulp of 6e-8), a gradient error of percents of an element;
				// the torch golden cases hold those logits.
				return
			}
		}
		// One-hot targets: the class-index loss (CE Mean with class
		// weights divides differently, torch's way each: skip that one).
		if ce, ok := m.Terms[0].Term.(*CrossEntropy); ok && ce.Weight != nil && ce.Reduction == Mean {
			return
		}
		for _, tm := range m.Terms {
			if r, ok := tm.Term.(*Region); ok && r.SoftLabel {
				// MONAI's soft-label overlap: the same value, but where p is
				// exactly 0 or 1 (an underflowed softmax) its gradient takes
				// sgn(0) = 0, half the class-index one (Region.SoftLabel's doc).
				return
			}
		}
		gl := make([]float32, sh.Len())
		vl, errl := m.Backward(&ws, x, I32(lab), sh, gl)
		if errl != nil {
			return // e.g. ErrRange of the float32 class-index path
		}
		if math.Abs(vl-v1) > 1e-4*math.Abs(vl)+1e-5*math.Abs(m.Terms[0].Weight) {
			t.Fatalf("one-hot targets %v, class-index labels %v; shape %+v terms %s x %v lab %v", v1, vl, sh, fzTerms(m.Terms), x, lab)
		}
		// The gradient, for a CE alone: its elements are bounded by B =
		// weight * largest class weight / divisor, and the class-index
		// path's float32 rounding is relative to B (with smoothing 1 and
		// equal logits every element is 0 in float64 and some 1e-7 B in
		// float32). Region gradients are compared in TestSoftOneHot and by
		// the torch golden cases.
		ce, ok := m.Terms[0].Term.(*CrossEntropy)
		if !ok || len(m.Terms) > 1 {
			return
		}
		B := math.Abs(m.Terms[0].Weight)
		if ce.Weight != nil {
			mw := 0.0
			for _, w := range ce.Weight {
				mw = max(mw, float64(w))
			}
			B *= mw
		}
		if ce.Reduction != Sum {
			B /= float64(sh.N * sh.S)
		}
		for i := range gl {
			if math.Abs(float64(gl[i]-g1[i])) > 1e-5*B {
				t.Fatalf("grad[%d]: one-hot targets %v, class-index labels %v (bound %v)", i, g1[i], gl[i], B)
			}
		}
	})
}
