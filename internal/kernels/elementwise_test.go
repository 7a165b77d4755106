package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// elementwiseOps are the elementwise primitives with their tolerance in ULPs
// against the generic tier (the accuracy targets of docs/design.md,
// Numerics: both sides implement the same operations, so they differ only
// where a fused multiply-add rounds differently from the generic fma32).
var elementwiseOps = []struct {
	name string
	get  func(*tier) func(dst, x []float32)
	ulps float64
}{
	{"exp", func(t *tier) func(dst, x []float32) { return t.exp }, 1},
	{"log", func(t *tier) func(dst, x []float32) { return t.log }, 1},
	{"sigmoid", func(t *tier) func(dst, x []float32) { return t.sigmoid }, 2},
}

func checkElementwise(t *testing.T, tr *tier, name string, f, ref func(dst, x []float32), ulps float64, x []float32, off int) {
	t.Helper()
	n := len(x)
	in := newF32(n, off)
	copy(in.s, x)
	out := newF32(n, (off*7)%16)
	f(out.s, in.s)
	want := make([]float32, n)
	ref(want, x)
	in.check(t, name+" input")
	out.check(t, name+" output")
	for i := range want {
		if d := ulpDiff(out.s[i], want[i]); d > ulps {
			t.Fatalf("%s %s(%g) [n=%d off=%d i=%d] = %g (%#08x), generic %g (%#08x): %v ULP",
				tr.name, name, x[i], n, off, i, out.s[i], f32bits(out.s[i]), want[i], f32bits(want[i]), d)
		}
	}
}

func TestElementwiseTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, op := range elementwiseOps {
			f, ref := op.get(tr), op.get(genericTier)
			for _, n := range lengths() {
				for off := 0; off < 16; off++ {
					if n > 100 && off%5 != 1 {
						continue
					}
					x := randLogits(r, n, 8, true)
					if op.name == "log" {
						for i := range x {
							if r.IntN(4) != 0 {
								x[i] = abs32(x[i])
							}
						}
					}
					checkElementwise(t, tr, op.name, f, ref, op.ulps, x, off)
				}
			}
			// every special value at every lane position
			for _, v := range specials {
				x := make([]float32, 33)
				for i := range x {
					x[i] = v
				}
				checkElementwise(t, tr, op.name, f, ref, op.ulps, x, 3)
			}
		}
		// the public entry points dispatch to the active tier
		x := []float32{-1, 0, 1, 2}
		got, want := make([]float32, 4), make([]float32, 4)
		Exp(got, x)
		expGeneric(want, x)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Exp = %v, want %v", got, want)
		}
	})
}

func f32bits(f float32) uint32 { return mathFloat32bits(f) }
