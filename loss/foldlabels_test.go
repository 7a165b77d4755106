package loss

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Multiclass checks its labels' range in the softmax kernels' passes (the
// count of valid labels, kernels.SoftmaxSums.Valid) on Forward, Backward,
// their weighted forms and Accumulate, not in a pass of its own: these
// tests hold those paths to the error the exact scan (checkLabels) gives,
// and to what each leaves in grad and in a Stats.

// labelLosses: pixelwise terms only (one fused pass when it writes a
// gradient), with a region term (statistics, then gradient), and a class
// weighted CE with a Focal term (the kernels for any C).
func labelLosses(ign IgnoreIndex, C int) map[string]*Multiclass {
	cw := make([]float32, C)
	for c := range cw {
		cw[c] = 0.5 + float32(c)
	}
	return map[string]*Multiclass{
		"ce":       {Terms: []Weighted{{1, &CrossEntropy{}}}, Ignore: ign, Workers: 2},
		"ce+dice":  {Terms: []Weighted{{0.5, &CrossEntropy{}}, {0.5, Dice()}}, Ignore: ign, Workers: 2},
		"cw+focal": {Terms: []Weighted{{1, &CrossEntropy{Weight: cw}}, {1, &Focal{Gamma: 2, Alpha: cw}}}, Ignore: ign, Workers: 2},
	}
}

// labelInputs returns logits and int32 labels for sh, a tenth of them the
// ignore label when ign is set.
func labelInputs(r *rand.Rand, sh Shape, ign IgnoreIndex) ([]float32, []int32) {
	x := randLogits(r, sh.Len(), 2)
	lab := make([]int32, sh.N*sh.S)
	for i := range lab {
		lab[i] = int32(r.IntN(sh.C))
		if v, ok := ign.Label(); ok && r.IntN(10) == 0 {
			lab[i] = int32(v)
		}
	}
	return x, lab
}

// TestFoldedLabelsErrors: a bad label anywhere (first, last, the last
// vector's lanes, the middle; below 0, C, the int32 limits), with and
// without an ignore index (and ignored pixels), as int32 and as uint8
// labels, gives the exact scan's error on Forward, ForwardWeighted,
// Backward, BackwardWeighted, Accumulate, Gradient and Pixelwise. Backward
// sets every element of grad to 0 (its first pass writes grad: the fused
// pass's gradient, or the probabilities of a region loss's statistics
// pass); Gradient leaves it untouched, Accumulate leaves st unchanged.
func TestFoldedLabelsErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	shapes := []Shape{NewShape(1, 4, 37), NewShape(2, 4, 256, 128), NewShape(6, 3, 5, 7), NewShape(1, 5, 70)}
	for _, sh := range shapes {
		for _, ign := range []IgnoreIndex{{}, Ignore(-100), Ignore(255)} {
			for name, m := range labelLosses(ign, sh.C) {
				bads := []int32{-1, int32(sh.C), math.MaxInt32, math.MinInt32, 254}
				ats := foldAt(sh.N * sh.S)
				if testing.Short() { // race, arm64 under emulation
					ats, bads = ats[:2], bads[:3]
					if sh.Len() > 1<<12 {
						ats, bads = ats[:1], bads[:2]
					}
				}
				for ai, at := range ats {
					for _, bad := range bads {
						for _, u8 := range []bool{false, true} {
							if u8 && (bad < 0 || bad > 255) {
								continue
							}
							if v, ok := ign.Label(); u8 && ok && v < 0 {
								continue // no uint8 label matches it: ErrOption
							}
							x, lab := labelInputs(r, sh, ign)
							lab[at] = bad
							labels := I32(lab)
							if u8 {
								b := make([]uint8, len(lab))
								for i, v := range lab {
									b[i] = uint8(v)
								}
								labels = U8(b)
							}
							want := checkLabels(labels, sh.C, ign)
							if want == nil {
								t.Fatalf("the exact scan accepts label %d", bad)
							}
							what := func(call string) string {
								return fmt.Sprintf("%s %s %v ign=%v u8=%v at=%d bad=%d", call, name, sh, ign, u8, at, bad)
							}
							var ws Workspace
							if _, err := m.Forward(&ws, x, labels, sh); true {
								wantSameErr(t, what("Forward"), err, want)
							}
							w := make([]float32, sh.N*sh.S)
							for i := range w {
								w[i] = float32(ai % 3) // 0 weights do not hide a bad label
							}
							if _, err := m.ForwardWeighted(&ws, x, labels, w, sh); true {
								wantSameErr(t, what("ForwardWeighted"), err, want)
							}
							for _, weighted := range []bool{false, true} {
								grad := make([]float32, sh.Len())
								for i := range grad {
									grad[i] = 7
								}
								var err error
								if weighted {
									_, err = m.BackwardWeighted(&ws, x, labels, w, sh, grad)
								} else {
									_, err = m.Backward(&ws, x, labels, sh, grad)
								}
								wantSameErr(t, what("Backward"), err, want)
								if i := slices.IndexFunc(grad, func(v float32) bool { return v != 0 }); i >= 0 {
									t.Fatalf("%s weighted=%v: grad[%d] = %v after the error, want 0 everywhere", what("Backward"), weighted, i, grad[i])
								}
							}
							var st Stats
							if err := st.Reset(sh.N, sh.C); err != nil {
								t.Fatal(err)
							}
							if err := m.Accumulate(&ws, &st, x, labels, sh, 0); true {
								wantSameErr(t, what("Accumulate"), err, want)
							}
							if i := slices.IndexFunc(st.Data, func(v float64) bool { return v != 0 }); i >= 0 {
								t.Fatalf("%s: Stats.Data[%d] = %v after the error, want unchanged", what("Accumulate"), i, st.Data[i])
							}
							gx, glab := labelInputs(r, sh, ign)
							if err := m.Accumulate(&ws, &st, gx, I32(glab), sh, 0); err != nil {
								t.Fatal(err)
							}
							grad := make([]float32, sh.Len())
							for i := range grad {
								grad[i] = 7
							}
							if _, err := m.Gradient(&ws, &st, x, labels, sh, 0, grad); true {
								wantSameErr(t, what("Gradient"), err, want)
							}
							if i := slices.IndexFunc(grad, func(v float32) bool { return v != 7 }); i >= 0 {
								t.Fatalf("%s: grad[%d] = %v after the error, want untouched", what("Gradient"), i, grad[i])
							}
							if name != "ce+dice" {
								if err := m.Pixelwise(&ws, x, labels, sh, make([]float32, sh.N*sh.S)); true {
									wantSameErr(t, what("Pixelwise"), err, want)
								}
							}
						}
					}
					if sh.Len() > 1000 && ai >= 1 {
						break // the large shape: the first and last index only
					}
				}
			}
		}
	}
}

// TestFoldedLabelsAccept: ignored labels make the kernels' count short of
// the pixels, and the exact scan after the pass accepts them: the value
// and gradient are those of the same call with the check run first (the
// loss of the labels with every ignored pixel, bit for bit against a call
// whose labels hold no bad value).
func TestFoldedLabelsAccept(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	sh := NewShape(2, 4, 33, 17)
	for _, ign := range []IgnoreIndex{Ignore(-100), Ignore(2), Ignore(200)} {
		for name, m := range labelLosses(ign, sh.C) {
			x, lab := labelInputs(r, sh, ign)
			var ws Workspace
			got, err := m.Forward(&ws, x, I32(lab), sh)
			if err != nil {
				t.Fatalf("%s ign=%v: %v", name, ign, err)
			}
			// the same labels through Pixelwise's path, which scans first
			if name != "ce+dice" {
				out := make([]float32, sh.N*sh.S)
				if err := m.Pixelwise(&ws, x, I32(lab), sh, out); err != nil {
					t.Fatalf("%s ign=%v Pixelwise: %v", name, ign, err)
				}
			}
			grad := make([]float32, sh.Len())
			v2, err := m.Backward(&ws, x, I32(lab), sh, grad)
			if err != nil || v2 != got {
				t.Fatalf("%s ign=%v: Backward %v, %v; Forward %v", name, ign, v2, err, got)
			}
			if slices.ContainsFunc(grad, func(v float32) bool { return v != v }) {
				t.Fatalf("%s ign=%v: NaN in the gradient", name, ign)
			}
		}
	}
}

// TestFoldedLabelsFirst: an error found before the first pass (bad weights,
// a Stats too small for the shard, a gradient scale beyond float32) gives
// way to a bad label's error, as when the labels were checked first.
func TestFoldedLabelsFirst(t *testing.T) {
	sh := NewShape(2, 4, 40)
	r := rand.New(rand.NewPCG(45, 46))
	x, lab := labelInputs(r, sh, IgnoreIndex{})
	lab[17] = 9
	labels := I32(lab)
	want := checkLabels(labels, sh.C, IgnoreIndex{})
	var ws Workspace
	ce := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{}}}}
	badW := make([]float32, sh.N*sh.S)
	badW[3] = -1
	if _, err := ce.ForwardWeighted(&ws, x, labels, badW, sh); true {
		wantSameErr(t, "bad weights", err, want)
	}
	// found before any pass, the label error still leaves grad all 0, as
	// Backward's godoc says of every ErrLabel
	bg := make([]float32, sh.Len())
	for i := range bg {
		bg[i] = 7
	}
	if _, err := ce.BackwardWeighted(&ws, x, labels, badW, sh, bg); true {
		wantSameErr(t, "BackwardWeighted, bad weights", err, want)
	}
	if i := slices.IndexFunc(bg, func(v float32) bool { return v != 0 }); i >= 0 {
		t.Fatalf("BackwardWeighted, bad weights: grad[%d] = %v, want 0", i, bg[i])
	}
	var st Stats
	if err := st.Reset(1, sh.C); err != nil { // too few images for the shard
		t.Fatal(err)
	}
	if err := ce.Accumulate(&ws, &st, x, labels, sh, 0); true {
		wantSameErr(t, "Accumulate, short Stats", err, want)
	}
	// a gradient scale that does not fit float32 (ErrRange): 2^64 times
	// the largest weight, 2^64
	huge := &Multiclass{Terms: []Weighted{{0x1p64, &CrossEntropy{Reduction: Sum}}}}
	hw := make([]float32, sh.N*sh.S)
	for i := range hw {
		hw[i] = 0x1p64
	}
	g := make([]float32, sh.Len())
	for i := range g {
		g[i] = 7
	}
	if _, err := huge.BackwardWeighted(&ws, x, I32(make([]int32, len(lab))), hw, sh, g); !errors.Is(err, ErrRange) {
		t.Fatalf("good labels: %v, want ErrRange", err)
	}
	if _, err := huge.BackwardWeighted(&ws, x, labels, hw, sh, g); true {
		wantSameErr(t, "ErrRange gradient", err, want)
	}
	if i := slices.IndexFunc(g, func(v float32) bool { return v != 0 }); i >= 0 {
		t.Fatalf("ErrRange gradient: grad[%d] = %v, want 0", i, g[i])
	}
}
