package loss

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The Binary losses check their targets (and NoActivation inputs) in the
// sigmoid kernels' passes (kernels.SigmoidSums.Bits), not in a pass of
// their own: these tests hold every path to the errors the scalar check
// (checkTargets, checkProbs) gives, and to what each path leaves in grad
// and in a Stats.

// foldShapes: one plane of a single block, planes of many chunks run by
// two workers, and small images (pooled passes).
var foldShapes = []Shape{NewShape(1, 1, 37), NewShape(2, 2, 256, 128), NewShape(6, 2, 5, 7)}

// foldBad are targets outside [0, 1] (and, for NoActivation, inputs).
var foldBad = []float32{float32(math.NaN()), -1, math.Nextafter32(1, 2), float32(math.Inf(1)), float32(math.Inf(-1)), -0x1p-149}

// foldAt returns the indices of n elements a bad value is put at: the
// first, the last, the last vector's lanes and one in the middle.
func foldAt(n int) []int {
	at := []int{0, n - 1, n / 2}
	for k := max(0, n-n%16-1); k < n && len(at) < 12; k++ {
		at = append(at, k)
	}
	return at
}

func foldInputs(r *rand.Rand, sh Shape, probs bool) (x, y []float32) {
	x, y = make([]float32, sh.Len()), make([]float32, sh.Len())
	for i := range x {
		if probs {
			x[i] = r.Float32()
		} else {
			x[i] = float32(r.NormFloat64() * 2)
		}
		y[i] = r.Float32()
	}
	return x, y
}

// foldLosses are a loss of pixelwise terms only (one fused pass when it
// writes a gradient) and one with a region term (statistics, then
// gradient).
func foldLosses(act Activation) map[string]*Binary {
	return map[string]*Binary{
		"bce":      {Terms: []Weighted{{1, &BCE{}}}, Activation: act, Workers: 2},
		"bce+dice": {Terms: []Weighted{{0.5, &BCE{}}, {0.5, Dice()}}, Activation: act, Workers: 2},
	}
}

// wantSameErr fails unless err is ErrLabel with exactly want's message.
func wantSameErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil || !errors.Is(err, ErrLabel) || err.Error() != want.Error() {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// TestFoldedCheckErrors: a bad target (or input) anywhere gives the scalar
// check's error on Forward, ForwardWeighted, Backward, BackwardWeighted,
// Accumulate, Gradient and Pixelwise; Backward and Gradient leave grad
// untouched, except the single fused pass (pixelwise terms only) and the
// shard Gradient, which check as they write it and set it to 0; Accumulate
// leaves st unchanged.
func TestFoldedCheckErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, sh := range foldShapes {
		for _, act := range []Activation{FromLogits, NoActivation} {
			probs := act == NoActivation
			for name, b := range foldLosses(act) {
				regions := name != "bce"
				ats, bads := foldAt(sh.Len()), foldBad
				if testing.Short() && sh.Len() > 1<<12 {
					// -short (race, arm64 under emulation): the parallel
					// shape at its first and last element with NaN and -1
					// only; the full run takes every place and value.
					ats, bads = ats[:2], foldBad[:2]
				}
				for _, at := range ats {
					for bi, bad := range bads {
						for _, inX := range []bool{false, true} {
							if inX && !probs {
								continue
							}
							x, y := foldInputs(r, sh, probs)
							if inX {
								x[at] = bad
							} else {
								y[at] = bad
							}
							if inX && bad != bad {
								continue // a NaN input propagates: not an error
							}
							var want error
							if inX {
								want = checkProbs(x)
							} else {
								want = checkTargets(y)
							}
							if want == nil {
								t.Fatalf("the scalar check accepts %v", bad)
							}
							what := func(call string) string {
								return fmt.Sprintf("%s %s %v probs=%v at=%d bad=%v", call, name, sh, probs, at, bad)
							}
							var ws Workspace
							if _, err := b.Forward(&ws, x, y, sh); true {
								wantSameErr(t, what("Forward"), err, want)
							}
							w := make([]float32, sh.Len())
							for i := range w {
								w[i] = float32(bi % 3) // 0 weights do not hide a bad target
							}
							if _, err := b.ForwardWeighted(&ws, x, y, w, sh); true {
								wantSameErr(t, what("ForwardWeighted"), err, want)
							}
							for _, weighted := range []bool{false, true} {
								grad := make([]float32, sh.Len())
								for i := range grad {
									grad[i] = 7
								}
								var err error
								if weighted {
									_, err = b.BackwardWeighted(&ws, x, y, w, sh, grad)
								} else {
									_, err = b.Backward(&ws, x, y, sh, grad)
								}
								wantSameErr(t, what("Backward"), err, want)
								fill := float32(7)
								if !regions {
									fill = 0
								}
								if i := slices.IndexFunc(grad, func(v float32) bool { return v != fill }); i >= 0 {
									t.Fatalf("%s weighted=%v: grad[%d] = %v after the error, want %v everywhere", what("Backward"), weighted, i, grad[i], fill)
								}
							}
							var st Stats
							if err := st.Reset(sh.N, sh.C); err != nil {
								t.Fatal(err)
							}
							if err := b.Accumulate(&ws, &st, x, y, sh, 0); true {
								wantSameErr(t, what("Accumulate"), err, want)
							}
							if i := slices.IndexFunc(st.Data, func(v float64) bool { return v != 0 }); i >= 0 {
								t.Fatalf("%s: Stats.Data[%d] = %v after the error, want unchanged", what("Accumulate"), i, st.Data[i])
							}
							// Gradient against good statistics: its own pass checks
							gx, gy := foldInputs(r, sh, probs)
							if err := b.Accumulate(&ws, &st, gx, gy, sh, 0); err != nil {
								t.Fatal(err)
							}
							grad := make([]float32, sh.Len())
							for i := range grad {
								grad[i] = 7
							}
							if _, err := b.Gradient(&ws, &st, x, y, sh, 0, grad); true {
								wantSameErr(t, what("Gradient"), err, want)
							}
							if i := slices.IndexFunc(grad, func(v float32) bool { return v != 0 }); i >= 0 {
								t.Fatalf("%s: grad[%d] = %v after the error, want 0", what("Gradient"), i, grad[i])
							}
							if !regions {
								if err := b.Pixelwise(&ws, x, y, sh, make([]float32, sh.Len())); true {
									wantSameErr(t, what("Pixelwise"), err, want)
								}
							}
						}
					}
					if sh.Len() > 1000 {
						break // the large shape: the first index of each value only
					}
				}
			}
		}
	}
}

// TestFoldedCheckAccepts: -0 targets and inputs, and NaN inputs (which
// propagate), have bits above those of 1 but are no error: the exact scan
// after the pass accepts them, and a -0 target gives the value and
// gradient of a +0 one, bit for bit.
func TestFoldedCheckAccepts(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	negZero := float32(math.Copysign(0, -1))
	for _, sh := range foldShapes {
		for _, act := range []Activation{FromLogits, NoActivation} {
			probs := act == NoActivation
			for name, b := range foldLosses(act) {
				x, y := foldInputs(r, sh, probs)
				y[sh.Len()-1] = negZero
				// the same targets with +0: the same value and gradient bit for bit
				y0 := slices.Clone(y)
				y0[sh.Len()-1] = 0
				var ws Workspace
				g, g0 := make([]float32, sh.Len()), make([]float32, sh.Len())
				v, err := b.Backward(&ws, x, y, sh, g)
				v0, err0 := b.Backward(&ws, x, y0, sh, g0)
				if err != nil || err0 != nil || math.Float64bits(v) != math.Float64bits(v0) {
					t.Fatalf("%s %v probs=%v: -0 target: %v, %v; +0: %v, %v", name, sh, probs, v, err, v0, err0)
				}
				for i := range g {
					if math.Float32bits(g[i]) != math.Float32bits(g0[i]) {
						t.Fatalf("%s %v: -0 target: grad[%d] = %v, +0: %v", name, sh, i, g[i], g0[i])
					}
				}
				if _, err := b.Forward(&ws, x, y, sh); err != nil {
					t.Fatalf("%s %v: Forward with a -0 target: %v", name, sh, err)
				}
				if !probs {
					continue
				}
				xn := slices.Clone(x)
				xn[0] = negZero
				if _, err := b.Backward(&ws, xn, y0, sh, g); err != nil {
					t.Fatalf("%s %v: a -0 probability: %v", name, sh, err)
				}
				xn[0] = float32(math.NaN())
				if v, err := b.Forward(&ws, xn, y0, sh); err != nil || v == v {
					t.Fatalf("%s %v: a NaN probability: %v, %v; want NaN and no error", name, sh, v, err)
				}
			}
		}
	}
}

// TestFoldedCheckFirst: a bad target is the error a call returns even
// when its weights, or its Stats, are bad too (the errors found before
// the pass the check now runs in).
func TestFoldedCheckFirst(t *testing.T) {
	sh := NewShape(2, 1, 40)
	r := rand.New(rand.NewPCG(35, 36))
	x, y := foldInputs(r, sh, false)
	y[17] = 1.5
	want := checkTargets(y)
	var ws Workspace
	badW := make([]float32, sh.Len())
	badW[3] = -1
	bce := &Binary{Terms: []Weighted{{1, &BCE{}}}}
	if _, err := bce.ForwardWeighted(&ws, x, y, badW, sh); true {
		wantSameErr(t, "bad weights", err, want)
	}
	mcc := &Binary{Terms: []Weighted{{1, MCC()}}}
	if _, err := mcc.ForwardWeighted(&ws, x, y, make([]float32, sh.Len()), sh); true {
		wantSameErr(t, "MCC with weights", err, want)
	}
	var st Stats
	if err := st.Reset(1, 1); err != nil { // too few images for the shard
		t.Fatal(err)
	}
	if err := bce.Accumulate(&ws, &st, x, y, sh, 0); true {
		wantSameErr(t, "Accumulate, short Stats", err, want)
	}
	if _, err := bce.Gradient(&ws, &st, x, y, sh, 0, make([]float32, sh.Len())); true {
		wantSameErr(t, "Gradient, short Stats", err, want)
	}
	// a gradient scale that does not fit float32 (ErrRange) with a bad target
	huge := &Binary{Terms: []Weighted{{0x1p64, &BCE{Reduction: Sum, PosWeight: []float32{0x1p64}}}}}
	g := make([]float32, sh.Len())
	if _, err := huge.Backward(&ws, x, y, sh, g); true {
		wantSameErr(t, "ErrRange gradient", err, want)
	}
}

// TestFoldedCheckMulticlassProbs: a Multiclass NoActivation call checks
// its probabilities in the statistics pass: the scalar check's error for a
// bad input anywhere, grad all 0 (as every Multiclass Backward leaves it on
// ErrLabel); -0 and NaN inputs are no error.
func TestFoldedCheckMulticlassProbs(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	m := &Multiclass{Terms: []Weighted{{1, Dice()}}, Activation: NoActivation, Workers: 2}
	for _, sh := range []Shape{NewShape(1, 3, 37), NewShape(2, 4, 128, 160), NewShape(5, 2, 6, 6)} {
		lab := make([]uint8, sh.N*sh.S)
		for i := range lab {
			lab[i] = uint8(r.IntN(sh.C))
		}
		for _, at := range foldAt(sh.Len()) {
			for _, bad := range append(foldBad, float32(math.Copysign(0, -1))) {
				x, _ := foldInputs(r, sh, true)
				x[at] = bad
				want := checkProbs(x)
				var ws Workspace
				v, err := m.Forward(&ws, x, U8(lab), sh)
				grad := make([]float32, sh.Len())
				for i := range grad {
					grad[i] = 7
				}
				_, gerr := m.Backward(&ws, x, U8(lab), sh, grad)
				if want == nil { // NaN and -0: no error
					if err != nil || (bad == bad) != (v == v) {
						t.Fatalf("%v at %d = %v: %v, %v; want no error", sh, at, bad, v, err)
					}
					continue
				}
				wantSameErr(t, fmt.Sprintf("Forward %v at %d = %v", sh, at, bad), err, want)
				wantSameErr(t, fmt.Sprintf("Backward %v at %d = %v", sh, at, bad), gerr, want)
				if i := slices.IndexFunc(grad, func(v float32) bool { return v != 0 }); i >= 0 {
					t.Fatalf("Backward %v at %d = %v: grad[%d] = %v after the error, want 0", sh, at, bad, i, grad[i])
				}
			}
			if sh.Len() > 1000 {
				break
			}
		}
	}
}
