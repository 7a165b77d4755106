package loss

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestProbsPath: a Backward with region terms stores the probabilities in
// grad in its statistics pass and turns them into the gradient in place
// (kernels.SoftmaxProbsPay); the shard API's Gradient recomputes the
// softmax from the logits. On one shard of the whole batch the two give
// the same value and gradient, bit for bit, on every tier, for every
// region case of mcCases (with and without per-pixel weights, an ignore
// index, one and two workers, uint8 and int32 labels, 4 and 21 classes:
// the small-C kernels and those for any C; images large enough not to be
// pooled, where Backward recomputes the softmax too). -short: the best
// tier, two workers, int32 labels.
func TestProbsPath(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	eachTierLong(t, func(t *testing.T) {
		for _, sh := range []Shape{NewShape(2, 4, 40, 41), NewShape(1, 21, 2100), NewShape(3, 3, 1500)} {
			x, lab, _ := bigCase(r, sh)
			for i := range lab {
				if r.IntN(9) == 0 {
					lab[i] = 255
				}
			}
			l32 := make([]int32, len(lab))
			for i, v := range lab {
				l32[i] = int32(v)
			}
			w := make([]float32, sh.N*sh.S)
			for i := range w {
				w[i] = 2 * r.Float32()
			}
			mcs := mcCases(sh.C)
			for _, name := range slices.Sorted(maps.Keys(mcs)) {
				m := *mcs[name]
				if !hasRegion(&m) {
					continue
				}
				m.Ignore = Ignore(255)
				workerCounts, labelSets := []int{1, 2}, []Labels{U8(lab), I32(l32)}
				if testing.Short() { // race, arm64 under emulation
					workerCounts, labelSets = workerCounts[1:], labelSets[1:]
				}
				for _, workers := range workerCounts {
					for _, weighted := range []bool{false, true} {
						for _, labels := range labelSets {
							m.Workers = workers
							what := fmt.Sprintf("%s %v workers=%d weighted=%v i32=%v", name, sh, workers, weighted, labels.i32 != nil)
							var ws Workspace
							want := make([]float32, sh.Len())
							var st Stats
							if err := st.Reset(sh.N, sh.C); err != nil {
								t.Fatal(err)
							}
							var v, gv float64
							var err error
							if weighted {
								v, err = m.BackwardWeighted(&ws, x, labels, w, sh, want)
								if err == nil {
									err = m.AccumulateWeighted(&ws, &st, x, labels, w, sh, 0)
								}
							} else {
								v, err = m.Backward(&ws, x, labels, sh, want)
								if err == nil {
									err = m.Accumulate(&ws, &st, x, labels, sh, 0)
								}
							}
							if err != nil {
								t.Fatalf("%s: %v", what, err)
							}
							got := make([]float32, sh.Len())
							if weighted {
								gv, err = m.GradientWeighted(&ws, &st, x, labels, w, sh, 0, got)
							} else {
								gv, err = m.Gradient(&ws, &st, x, labels, sh, 0, got)
							}
							if err != nil {
								t.Fatalf("%s Gradient: %v", what, err)
							}
							if math.Float64bits(gv) != math.Float64bits(v) && !(gv != gv && v != v) {
								t.Fatalf("%s: Gradient's value %v, Backward's %v", what, gv, v)
							}
							for i := range got {
								if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
									t.Fatalf("%s: grad[%d] = %v from the logits, %v from the probabilities", what, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

// hasRegion reports whether m has a Region term.
func hasRegion(m *Multiclass) bool {
	for _, t := range m.Terms {
		if _, ok := t.Term.(*Region); ok {
			return true
		}
	}
	return false
}
