package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lovaszLogits draws n logits of one of several kinds: normal, quantized
// (exact ties), consecutive float32s (float64 errors that share a float32
// rounding, in long runs), tiny values and zeros of both signs (hinge
// errors 1 + v that round together), and with NaNs and infinities.
func lovaszLogits(r *rand.Rand, kind, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch kind {
		case 0:
			x[i] = float32(r.NormFloat64() * 3)
		case 1:
			x[i] = float32(r.IntN(5)) / 2
		case 2:
			x[i] = math.Float32frombits(math.Float32bits(0.5) + uint32(r.IntN(400)))
		case 3:
			switch r.IntN(4) {
			case 0:
				x[i] = float32(math.Copysign(0, float64(1-2*r.IntN(2))))
			case 1:
				x[i] = float32(r.NormFloat64() * 1e-30)
			case 2:
				x[i] = float32(r.NormFloat64() * 1e-9)
			default:
				x[i] = float32(r.NormFloat64())
			}
		case 4:
			x[i] = float32(r.NormFloat64())
			switch r.IntN(40) {
			case 0:
				x[i] = float32(math.NaN())
			case 1:
				x[i] = float32(math.Inf(1 - 2*r.IntN(2)))
			}
		}
	}
	return x
}

// sameFloat: equal (-0 and +0 alike) or both NaN.
func sameFloat(a, b float64) bool { return a == b || (a != a && b != b) }

// TestLovaszMatchesRef: Loss and BinaryLoss give the values and gradients
// of the implementation before the packed sort (lovasz_ref_test.go) bit
// for bit (zeros of either sign alike; NaN where it gives NaN; the
// softmax loss to the rounding of a sum in another order), for
// random shapes up to 300 pixels and a few larger, every option, every
// kind of lovaszLogits, labels of every class mix.
func TestLovaszMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	type shape struct{ n, c, s int }
	var shapes []shape
	for range 300 {
		shapes = append(shapes, shape{1 + r.IntN(3), 1 + r.IntN(5), 1 + r.IntN(300)})
	}
	shapes = append(shapes, shape{2, 3, 5000}, shape{1, 2, 70000}, shape{3, 4, 1})
	for si, sz := range shapes {
		sh := NewShape(sz.n, sz.c, sz.s)
		kind := si % 5
		x := lovaszLogits(r, kind, sh.Len())
		nl := sz.c
		if r.IntN(3) == 0 {
			nl = 1 + r.IntN(sz.c) // some classes absent
		}
		lab := make([]int32, sz.n*sz.s)
		for i := range lab {
			lab[i] = int32(r.IntN(nl))
			if r.IntN(7) == 0 {
				lab[i] = 255
			}
		}
		tg := make([]float32, sh.Len())
		frac := r.Float64()
		for i := range tg {
			if r.Float64() < frac {
				tg[i] = 1
			}
			if r.IntN(7) == 0 {
				tg[i] = 255
			}
		}
		if si%7 == 0 {
			// Image 0 wholly ignored.
			for i := range sz.s {
				lab[i] = 255
			}
			for i := range sz.c * sz.s {
				tg[i] = 255
			}
		}
		g0 := make([]float32, sh.Len())
		for i := range g0 {
			g0[i] = float32(r.NormFloat64())
		}
		weight := r.NormFloat64()
		for opt := range 8 {
			l := &Lovasz{PerImage: opt&1 != 0, AllClasses: opt&2 != 0}
			if opt&4 != 0 {
				l.Ignore = Ignore(255)
			} else if kind != 4 {
				// Without an ignore index 255 is an error for both; draw
				// valid labels and targets.
				continue
			}
			name := fmt.Sprintf("%dx%dx%d kind %d opt %d", sz.n, sz.c, sz.s, kind, opt)
			labs := lab
			tgs := tg
			if opt&4 == 0 {
				labs = make([]int32, len(lab))
				tgs = make([]float32, len(tg))
				for i := range labs {
					labs[i] = int32(r.IntN(nl))
				}
				for i := range tgs {
					tgs[i] = float32(r.IntN(2))
				}
			}
			for _, withGrad := range []bool{false, true} {
				var g1, g2 []float32
				if withGrad {
					g1, g2 = append([]float32(nil), g0...), append([]float32(nil), g0...)
				}
				v1, err1 := l.Loss(x, I32(labs), sh, weight, g1)
				v2, err2 := refLovaszLoss(l, x, I32(labs), sh, weight, g2)
				check := func(what string, v1, v2 float64, err1, err2 error, tol float64) {
					t.Helper()
					if (err1 == nil) != (err2 == nil) {
						t.Fatalf("%s %s: error %v, reference %v", name, what, err1, err2)
					}
					if !sameFloat(v1, v2) && !(math.Abs(v1-v2) <= tol*math.Abs(v2)) {
						t.Fatalf("%s %s: loss %v, reference %v", name, what, v1, v2)
					}
					nan := v2 != v2
					for i := range g1 {
						if !sameFloat(float64(g1[i]), float64(g2[i])) && !nan {
							t.Fatalf("%s %s: grad %d = %v, reference %v", name, what, i, g1[i], g2[i])
						}
					}
				}
				// The softmax sums its terms (all >= 0) in another order.
				check("softmax", v1, v2, err1, err2, float64(sh.Len())*0x1p-52)
				if withGrad {
					copy(g1, g0)
					copy(g2, g0)
				}
				v1, err1 = l.BinaryLoss(x, tgs, sh, weight, g1)
				v2, err2 = refLovaszBinaryLoss(l, x, tgs, sh, weight, g2)
				check("hinge", v1, v2, err1, err2, 0)
			}
		}
	}
}

// TestLovaszManyClassesMatchesRef: the label paths on either side of 255
// classes (a byte per label below, int32 from 255 up) equal the
// reference, with and without an ignore index that is itself a class and
// one that is not, per image and for the batch.
func TestLovaszManyClassesMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, c := range []int{253, 254, 255, 256, 300} {
		sh := NewShape(2, c, 37)
		x := lovaszLogits(r, 0, sh.Len())
		lab := make([]int32, sh.N*sh.S)
		for i := range lab {
			lab[i] = int32(r.IntN(c))
		}
		lab[3], lab[40] = 7, 7
		for _, l := range []*Lovasz{{}, {PerImage: true}, {Ignore: Ignore(7)}, {Ignore: Ignore(1000), PerImage: true, AllClasses: true}} {
			g1, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
			v1, err1 := l.Loss(x, I32(lab), sh, 0.7, g1)
			v2, err2 := refLovaszLoss(l, x, I32(lab), sh, 0.7, g2)
			if err1 != nil || err2 != nil {
				t.Fatalf("C %d %+v: %v, reference %v", c, l, err1, err2)
			}
			if math.Abs(v1-v2) > float64(sh.Len())*0x1p-52*math.Abs(v2) {
				t.Fatalf("C %d %+v: loss %v, reference %v", c, l, v1, v2)
			}
			for i := range g1 {
				if math.Float32bits(g1[i]) != math.Float32bits(g2[i]) {
					t.Fatalf("C %d %+v: grad %d = %v, reference %v", c, l, i, g1[i], g2[i])
				}
			}
		}
	}
}
