package loss

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
)

// TestSoftmax64: on every tier, the probabilities p of softmax64 (float32
// exps, float64 sums) and the errors 1 - p are within 1e-6 relative of
// those of the float64 softmax with math.Exp (refSoftmax64; 1 - p past
// the ulp of 1 that a float64 p carries either way), for logits of
// spread 1 to 30 (confident pixels, 1 - p down to 1e-13), several class
// counts and images longer than a block; infinities and NaNs give what
// refSoftmax64 gives where it gives NaN or 0.
func TestSoftmax64(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(51, 52))
		t32 := make([]float32, 2*kernels.BlockSize)
		t64 := make([]float64, kernels.BlockSize)
		worst := 0.0
		for _, C := range []int{1, 2, 4, 7} {
			for _, S := range []int{1, 5, 1024, 2500} {
				for _, spread := range []float64{1, 5, 30} {
					x := make([]float32, C*S)
					for i := range x {
						x[i] = float32(r.NormFloat64() * spread)
					}
					if S > 1 {
						x[0], x[1] = float32(math.Inf(-1)), float32(math.NaN())
					}
					got, want := make([]float64, C*S), make([]float64, C*S)
					softmax64(got, S, x, C, S, t32, t64)
					refSoftmax64(want, x, C, S)
					for i := range got {
						g, w := got[i], want[i]
						if w != w || w == 0 {
							if !sameFloat(g, w) && !(w == 0 && g < 1e-30) {
								t.Fatalf("C %d S %d: p[%d] = %v, want %v", C, S, i, g, w)
							}
							continue
						}
						// p relative; 1 - p relative, past the rounding of a
						// float64 p near 1 (4 ulps of 1: both carry it).
						d := math.Abs(g-w) / w
						d1 := math.Abs((1-g)-(1-w)) / (1 - w)
						worst = max(worst, d)
						if !(d <= 1e-6 && math.Abs((1-g)-(1-w)) <= 1e-6*(1-w)+0x1p-51) {
							t.Fatalf("C %d S %d spread %v: p[%d] = %v, want %v (relative error %v of p, %v of 1-p)", C, S, spread, i, g, w, d, d1)
						}
					}
				}
			}
		}
		t.Logf("worst relative error of p %.3g", worst)
	})
}
