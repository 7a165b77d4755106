package metrics

import (
	"math"
	"testing"

	"github.com/segloss/segloss/loss"
)

// A zero-value EarlyStopping has no best before its first score, and a
// NaN score never improves.
func TestEarlyStoppingZeroAndNaN(t *testing.T) {
	var z EarlyStopping
	if ep, sc, ok := z.Best(); ok || ep != -1 || !math.IsNaN(sc) {
		t.Fatalf("zero value Best() = %d, %v, %v before any score", ep, sc, ok)
	}
	if imp, stop := z.Step(0.5); !imp || stop {
		t.Fatalf("zero value first step: improved %v stop %v", imp, stop)
	}
	if ep, sc, ok := z.Best(); !ok || ep != 0 || sc != 0.5 {
		t.Fatalf("zero value after one score: %d, %v, %v", ep, sc, ok)
	}
	if imp, stop := z.Step(0.4); imp || !stop {
		t.Fatalf("zero value (patience 0), a worse score: improved %v stop %v", imp, stop)
	}

	e, err := NewEarlyStopping(Min, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	imp, stop := e.Step(math.NaN())
	if imp {
		t.Fatal("a NaN first score improved")
	}
	if _, _, ok := e.Best(); ok {
		t.Fatal("Best after a NaN score says there is something to restore")
	}
	if !stop {
		t.Fatal("patience 1, a NaN epoch: want stop (a diverged run), with nothing to restore")
	}
	e.Reset()
	e.Step(3)
	if imp, _ := e.Step(math.NaN()); imp {
		t.Fatal("a NaN score after a best improved")
	}
	if ep, sc, ok := e.Best(); !ok || ep != 0 || sc != 3 {
		t.Fatalf("Best = %d, %v, %v, want epoch 0, 3", ep, sc, ok)
	}
}

// Counts with nothing counted: macro Dice 1 with NotNaN = C under the
// default policy, NaN with NotNaN = 0 under BothEmptySkip.
func TestEmptyCounts(t *testing.T) {
	m := Counts{C: 3, Ignore: loss.Ignore(255)}
	r, err := m.Result(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.MacroDice != 1 || r.NotNaN != 3 {
		t.Fatalf("nothing added, BothEmptyOne: MacroDice %v NotNaN %d", r.MacroDice, r.NotNaN)
	}
	lab := []uint8{255, 255, 255, 255}
	if err := m.Add(make([]float32, 12), loss.U8(lab), loss.Shape{N: 1, C: 3, S: 4}); err != nil {
		t.Fatal(err)
	}
	r, err = m.Result(Options{Empty: BothEmptySkip})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(r.MacroDice) || r.NotNaN != 0 {
		t.Fatalf("all ignored, BothEmptySkip: MacroDice %v NotNaN %d", r.MacroDice, r.NotNaN)
	}
	r, _ = m.Result(Options{ExcludeBackground: true})
	if r.NotNaN != 2 {
		t.Fatalf("ExcludeBackground: NotNaN %d, want 2", r.NotNaN)
	}
}
