package kernels

import (
	"math/rand/v2"
	"testing"
)

func TestRooflineTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, n := range append(lengths(), 16*BlockSize+77) {
			for off := 0; off < 16; off += 3 {
				x := randLogits(r, n, 1, false)
				src, dst := newF32(n, off), newF32(n, (off+7)%16)
				copy(src.s, x)
				if got := Copy(dst.s, src.s); got != n {
					t.Fatalf("Copy returned %d, want %d", got, n)
				}
				src.check(t, "copy src")
				dst.check(t, "copy dst")
				for i := range x {
					if dst.s[i] != x[i] {
						t.Fatalf("%s Copy n=%d: element %d = %v, want %v", tr.name, n, i, dst.s[i], x[i])
					}
				}
				var abs float32
				for _, v := range x {
					abs += max(v, -v)
				}
				got, want := Sum(src.s), sumGeneric(x)
				if d := got - want; d > 1e-5*abs+1e-30 || -d > 1e-5*abs+1e-30 {
					t.Fatalf("%s Sum n=%d = %v, generic %v", tr.name, n, got, want)
				}
			}
		}
		if haveGuardPages {
			for _, n := range lengths() {
				x := guardF32(t, randLogits(r, n, 1, false))
				Sum(x)
				Copy(guardF32(t, make([]float32, n)), x)
			}
		}
	})
}
