package loss

import (
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/segloss/segloss/distance"
)

// Regression tests for the findings of a review of the distance terms,
// Lovász and deep supervision.

// TestHausdorffDTAlpha16: the field^alpha is float64; at alpha 16 a
// distance of 256 or more overflowed float32 and gave NaN with no error.
func TestHausdorffDTAlpha16(t *testing.T) {
	S := 400
	x := make([]float32, S)
	y := make([]float32, S)
	for i := range x {
		x[i] = -200
	}
	x[0], y[0] = 200, 1
	x[399] = 200 // a prediction far from the target
	grad := make([]float32, S)
	v, err := (&HausdorffDT{Alpha: 16}).BinaryLoss(x, y, NewShape(1, 1, S), []int{S}, 1, grad)
	if math.IsNaN(v) {
		t.Fatalf("loss NaN (err %v)", err)
	}
	if err == nil {
		for i, g := range grad {
			if math.IsNaN(float64(g)) {
				t.Fatalf("grad %d NaN", i)
			}
		}
	} else if !errors.Is(err, ErrRange) {
		t.Fatalf("err %v, want nil or ErrRange", err)
	}
}

// TestHausdorffDTSpacingChecked: a bad spacing is an error before any
// transform runs, wrapping both ErrOption and distance.ErrSpacing.
func TestHausdorffDTSpacingChecked(t *testing.T) {
	x := make([]float32, 12)
	lab := I32(make([]int32, 6)) // all background: no transform would run
	for _, sp := range [][]float64{{-1, math.NaN()}, {1}, {1, 0}, {1e-30, 1}} {
		_, err := (&HausdorffDT{Spacing: sp}).Loss(x, lab, NewShape(1, 2, 6), []int{2, 3}, 1, nil)
		if !errors.Is(err, ErrOption) || !errors.Is(err, distance.ErrSpacing) {
			t.Errorf("spacing %v: err %v", sp, err)
		}
	}
}

// TestDistanceTermsAlias: a gradient buffer overlapping an input is
// ErrOption, and nothing is written.
func TestDistanceTermsAlias(t *testing.T) {
	sh := NewShape(1, 2, 3)
	buf := []float32{1, 2, 3, 4, 5, 6, 0.5, -1, 2, 3, 0, 1}
	x, phi := buf[:6], buf[6:]
	keep := append([]float32(nil), buf...)
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrOption) {
			t.Errorf("%s: err %v, want ErrOption", name, err)
		}
		for i := range buf {
			if buf[i] != keep[i] {
				t.Fatalf("%s: input modified", name)
			}
		}
	}
	_, err := (&Boundary{}).Loss(x, phi, sh, 1, phi)
	check("Boundary grad = phi", err)
	_, err = (&Boundary{}).BinaryLoss(x, phi, sh, 1, x)
	check("Boundary grad = logits", err)
	_, err = (&Lovasz{}).Loss(x, I32([]int32{0, 1, 1}), sh, 1, x)
	check("Lovasz grad = logits", err)
	_, err = (&Lovasz{}).BinaryLoss(x, []float32{0, 1, 1, 0, 1, 0}, sh, 1, buf[3:9])
	check("Lovasz grad over logits", err)
	tg := []float32{0, 1, 1, 0, 1, 0}
	_, err = (&HausdorffDT{}).BinaryLoss(x, tg, sh, []int{3}, 1, tg)
	if !errors.Is(err, ErrOption) {
		t.Errorf("HausdorffDT grad = targets: %v", err)
	}
}

// TestDistanceTermsRange: gradients beyond float32 are ErrRange with the
// value and nothing written; deep supervision's weights are bounded like
// term weights.
func TestDistanceTermsRange(t *testing.T) {
	sh := NewShape(1, 2, 3)
	x := []float32{1, 2, 3, 4, 5, 6}
	phi := []float32{0.5, -1, 2, 3, 0, 1}
	grad := make([]float32, 6)
	want, _ := (&Boundary{}).Loss(x, phi, sh, 0, nil)
	v, err := (&Boundary{}).Loss(x, phi, sh, 1e300, grad)
	if !errors.Is(err, ErrRange) || v != want {
		t.Errorf("Boundary weight 1e300: %v, %v (value %v)", v, err, want)
	}
	_, err = (&Lovasz{}).Loss(x, I32([]int32{0, 1, 1}), sh, 1e300, grad)
	if !errors.Is(err, ErrRange) {
		t.Errorf("Lovasz weight 1e300: %v", err)
	}
	for _, g := range grad {
		if g != 0 {
			t.Fatal("a refused call wrote the gradient")
		}
	}
	d := &DeepSupervision{Loss: CombinedLoss(0.5, 0.5), Weights: []float64{1e300, 1}}
	if _, err := d.LevelWeights(2); !errors.Is(err, ErrWeight) {
		t.Errorf("deep supervision weight 1e300: %v", err)
	}
}

// TestDeepSupervisionWritesNothingOnError: a bad later level fails the
// call before level 0's gradient is written.
func TestDeepSupervisionWritesNothingOnError(t *testing.T) {
	d := &DeepSupervision{Loss: CombinedLoss(0.5, 0.5)}
	x0 := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	x1 := []float32{1, 2}
	g0 := make([]float32, 8)
	var ws Workspace
	defer ws.Close()
	for _, grads := range [][][]float32{{g0, make([]float32, 3)}, nil} {
		logits := [][]float32{x0, x1}
		if grads == nil {
			logits[1] = []float32{1} // wrong logits length, no gradients
		}
		_, err := d.Backward(&ws, logits, [][]int{{4}, {1}}, I32([]int32{0, 1, 1, 0}), 1, 2, []int{4}, grads)
		if !errors.Is(err, ErrLength) {
			t.Errorf("err %v, want ErrLength", err)
		}
	}
	for _, g := range g0 {
		if g != 0 {
			t.Fatal("level 0 written before the call failed")
		}
	}
}

// TestLovaszLongTies: many errors within one float32 rounding are ordered
// by their float64 values (a stable sort for long runs, not insertion),
// giving the loss of the exact order.
func TestLovaszLongTies(t *testing.T) {
	m := 3000
	x := make([]float32, m)
	y := make([]float32, m)
	for i := range x {
		x[i] = float32(float64(m-i)*1e-12) + 0.5
		y[i] = float32(i % 2)
	}
	v, err := (&Lovasz{}).BinaryLoss(x, y, NewShape(1, 1, m), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The definition with a comparison sort of the float64 errors.
	e := make([]float64, m)
	idx := make([]int, m)
	for i := range e {
		s := -1.0
		if y[i] == 1 {
			s = 1
		}
		e[i], idx[i] = 1-float64(x[i])*s, i
	}
	sortStableDesc(idx, e)
	g := make([]float64, m)
	for k, i := range idx {
		g[k] = float64(y[i])
	}
	refLovaszGrad(g)
	var want float64
	for k, i := range idx {
		want += max(e[i], 0) * g[k]
	}
	if math.Abs(v-want) > 1e-12*math.Abs(want) {
		t.Errorf("loss %v, want %v", v, want)
	}
}

func sortStableDesc(idx []int, e []float64) {
	for k := 1; k < len(idx); k++ { // insertion sort: the test's reference
		v := idx[k]
		j := k
		for j > 0 && e[idx[j-1]] < e[v] {
			idx[j] = idx[j-1]
			j--
		}
		idx[j] = v
	}
}

// TestBoundarySmallS: the block is min(1024, S) pixels, so a call with
// many classes and few pixels allocates about its logits' size.
func TestBoundarySmallS(t *testing.T) {
	C := 20000
	sh := NewShape(1, C, 1)
	x := make([]float32, C)
	phi := make([]float32, C)
	grad := make([]float32, C)
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	if _, err := (&Boundary{}).Loss(x, phi, sh, 1, grad); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&b)
	if got := b.TotalAlloc - a.TotalAlloc; got > 16*uint64(C)+1<<16 {
		t.Errorf("allocated %d bytes for %d logits", got, C)
	}
}

// TestLovaszIgnoreNotFloat32: an ignore value a float32 target cannot
// hold is an error (it was truncated to int32, then compared).
func TestLovaszIgnoreNotFloat32(t *testing.T) {
	_, err := (&Lovasz{Ignore: Ignore(1<<32 + 1)}).BinaryLoss([]float32{1, 2}, []float32{1, 0}, NewShape(1, 1, 2), 1, nil)
	if !errors.Is(err, ErrOption) {
		t.Errorf("err %v, want ErrOption", err)
	}
}

// TestDeepSupervisionProbsWritesNothingOnError: with NoActivation, a
// later level whose inputs are not probabilities fails the call before
// level 0's gradient is written (the probability check ran inside each
// level's own pass, after the earlier levels had written theirs).
func TestDeepSupervisionProbsWritesNothingOnError(t *testing.T) {
	m := &Multiclass{Activation: NoActivation, Terms: []Weighted{{Weight: 1, Term: Dice()}}}
	d := &DeepSupervision{Loss: m}
	x0 := []float32{0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, 0.2}
	for _, bad := range []float32{1.5, -0.25, float32(math.Inf(1))} {
		x1 := []float32{0.5, bad, 0.5, 0.5}
		g0 := make([]float32, 8)
		for i := range g0 {
			g0[i] = 7
		}
		g1 := make([]float32, 4)
		var ws Workspace
		_, err := d.Backward(&ws, [][]float32{x0, x1}, [][]int{{4}, {2}}, I32([]int32{0, 1, 1, 0}), 1, 2, []int{4}, [][]float32{g0, g1})
		ws.Close()
		if !errors.Is(err, ErrLabel) {
			t.Errorf("input %v: err %v, want ErrLabel", bad, err)
		}
		for i, g := range g0 {
			if g != 7 {
				t.Fatalf("input %v: level 0 written before the call failed: grad[%d] = %v", bad, i, g)
			}
		}
	}
}

// TestBinaryProbsGradientChecksInputs: the shard Gradient of a
// NoActivation Binary whose gradient is a*y + b alone (Dice: its kernels
// do not read the probabilities) still rejects a probability outside
// [0, 1] with ErrLabel and a zeroed gradient, as documented.
func TestBinaryProbsGradientChecksInputs(t *testing.T) {
	sh := NewShape(1, 1, 40)
	x, y := make([]float32, sh.Len()), make([]float32, sh.Len())
	for i := range x {
		x[i] = float32(i%7) / 7
		y[i] = float32(i % 2)
	}
	for _, term := range []Term{Dice(), IoU(), Tversky(0.3, 0.7)} {
		b := &Binary{Activation: NoActivation, Terms: []Weighted{{Weight: 1, Term: term}}}
		var ws Workspace
		var st Stats
		st.Reset(1, 1)
		if err := b.Accumulate(&ws, &st, x, y, sh, 0); err != nil {
			t.Fatal(err)
		}
		bad := append([]float32(nil), x...)
		bad[33] = 1.25 // this call's inputs, not the accumulated ones
		g := make([]float32, sh.Len())
		for i := range g {
			g[i] = 9
		}
		_, err := b.Gradient(&ws, &st, bad, y, sh, 0, g)
		ws.Close()
		if !errors.Is(err, ErrLabel) {
			t.Errorf("%T: err %v, want ErrLabel", term, err)
		}
		for i, v := range g {
			if v != 0 {
				t.Fatalf("%T: grad[%d] = %v after ErrLabel, want 0", term, i, v)
			}
		}
	}
}

// TestProbsIgnoredNaN: with NoActivation, an ignored pixel takes no part
// in any term (the Ignore godoc), a NaN probability there included: the
// probability pass gave ignored pixels weight 0, and 0·NaN reached the
// sums (found by FuzzLoss: Multiclass {4,2,58}, Tversky, a NaN at a pixel
// labelled 255 gave NaN, the reference 0). Value and gradient equal those
// of the same call with 0.5 there, and the ignored pixel's gradient is 0.
func TestProbsIgnoredNaN(t *testing.T) {
	sh := NewShape(2, 3, 40)
	lab := make([]uint8, sh.N*sh.S)
	x := make([]float32, sh.Len())
	for i := range lab {
		lab[i] = uint8(i % 3)
		if i%7 == 3 {
			lab[i] = 255
		}
	}
	for i := range x {
		x[i] = float32(i%11) / 10
	}
	nan := float32(math.NaN())
	for _, term := range []Term{Dice(), Tversky(0.3, 0.7), MCC(), GeneralizedDice()} {
		m := &Multiclass{Activation: NoActivation, Ignore: Ignore(255), Terms: []Weighted{{Weight: 1, Term: term}}}
		var ws Workspace
		gw, g := make([]float32, sh.Len()), make([]float32, sh.Len())
		want, err := m.Backward(&ws, x, U8(lab), sh, gw)
		if err != nil {
			t.Fatal(err)
		}
		bad := append([]float32(nil), x...)
		// pixel 5 of image 1 (label index 45: 255), classes 0 and 2
		if lab[1*sh.S+5] != 255 {
			t.Fatal("pixel 5 of image 1 is not ignored")
		}
		bad[(1*sh.C+0)*sh.S+5], bad[(1*sh.C+2)*sh.S+5] = nan, nan
		v, err := m.Backward(&ws, bad, U8(lab), sh, g)
		fv, ferr := m.Forward(&ws, bad, U8(lab), sh)
		ws.Close()
		if err != nil || ferr != nil || v != want || fv != want {
			t.Fatalf("%T: NaN at an ignored pixel: Backward %v, %v, Forward %v, %v; want %v", term, v, err, fv, ferr, want)
		}
		for i := range g {
			w := gw[i]
			if lab[(i/(sh.C*sh.S))*sh.S+i%sh.S] == 255 {
				w = 0
			}
			if math.Float32bits(g[i]) != math.Float32bits(w) && !(g[i] == 0 && w == 0) {
				t.Fatalf("%T: grad[%d] = %v, want %v", term, i, g[i], w)
			}
		}
	}
}

// TestProbsIgnoredNaNWeighted: the ignored pixels' NaN is left out, but a
// NaN at a pixel of weight 0 that is not ignored still propagates (as
// torch's w*l, ForwardWeighted's godoc), also in a chunk that has an
// ignored NaN too.
func TestProbsIgnoredNaNWeighted(t *testing.T) {
	sh := NewShape(1, 2, 16)
	lab := make([]uint8, sh.S)
	x := make([]float32, sh.Len())
	pw := make([]float32, sh.S)
	for i := range lab {
		lab[i] = uint8(i % 2)
		pw[i] = 1
	}
	for i := range x {
		x[i] = float32(i%5) / 5
	}
	lab[3] = 255 // ignored
	pw[9] = 0    // weight 0, not ignored
	nan := float32(math.NaN())
	m := &Multiclass{Activation: NoActivation, Ignore: Ignore(255), Terms: []Weighted{{Weight: 1, Term: Dice()}}}
	var ws Workspace
	defer ws.Close()
	clean, err := m.ForwardWeighted(&ws, x, U8(lab), pw, sh)
	if err != nil {
		t.Fatal(err)
	}
	ign := append([]float32(nil), x...)
	ign[3] = nan
	if v, err := m.ForwardWeighted(&ws, ign, U8(lab), pw, sh); err != nil || v != clean {
		t.Errorf("NaN at the ignored pixel: %v, %v; want %v", v, err, clean)
	}
	ign[9] = nan
	if v, err := m.ForwardWeighted(&ws, ign, U8(lab), pw, sh); err != nil || !math.IsNaN(v) {
		t.Errorf("NaN at a weight-0 pixel beside an ignored NaN: %v, %v; want NaN", v, err)
	}
}
