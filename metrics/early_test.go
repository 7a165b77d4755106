package metrics

import (
	"errors"
	"math"
	"testing"

	"github.com/segloss/segloss/loss"
)

type step struct {
	score          float64
	improved, stop bool
}

func run(t *testing.T, name string, e *EarlyStopping, steps []step, bestEpoch int, best float64) {
	t.Helper()
	for i, s := range steps {
		imp, stop := e.Step(s.score)
		if imp != s.improved || stop != s.stop {
			t.Errorf("%s: epoch %d score %v: improved %v stop %v, want %v %v", name, i, s.score, imp, stop, s.improved, s.stop)
		}
		if e.Stop() != stop {
			t.Errorf("%s: epoch %d: Stop() = %v, Step said %v", name, i, e.Stop(), stop)
		}
	}
	ep, v, ok := e.Best()
	if !ok || ep != bestEpoch || v != best {
		t.Errorf("%s: Best() = %d %v %v, want %d %v", name, ep, v, ok, bestEpoch, best)
	}
	if e.Epochs() != len(steps) {
		t.Errorf("%s: Epochs() = %d, want %d", name, e.Epochs(), len(steps))
	}
}

// TestEarlyStoppingDice follows a validation Dice that rises, plateaus
// within MinDelta, and falls.
func TestEarlyStoppingDice(t *testing.T) {
	e, err := NewEarlyStopping(Max, 3, 0.005)
	if err != nil {
		t.Fatal(err)
	}
	run(t, "dice", e, []step{
		{0.10, true, false},
		{0.35, true, false},
		{0.52, true, false},
		{0.524, false, false}, // +0.004 <= MinDelta: no improvement (wait 1)
		{0.53, true, false},   // +0.010 over 0.52: improvement, wait 0
		{0.533, false, false}, // wait 1
		{0.51, false, false},  // wait 2
		{0.50, false, true},   // wait 3 = patience: stop
		{0.60, true, true},    // recorded after stop; stop stays
	}, 8, 0.60)
	e.Reset()
	if _, _, ok := e.Best(); ok || e.Stop() || e.Epochs() != 0 || e.Wait() != 0 {
		t.Errorf("after Reset: %v %v %d %d", ok, e.Stop(), e.Epochs(), e.Wait())
	}
	// Epoch numbering starts over after Reset.
	run(t, "dice after reset", e, []step{{0.2, true, false}, {0.1, false, false}}, 0, 0.2)
	if e.Wait() != 1 {
		t.Errorf("Wait() = %d, want 1", e.Wait())
	}
}

// TestEarlyStoppingLoss follows a validation loss (Min): the epoch to
// restore is the lowest loss, not the last.
func TestEarlyStoppingLoss(t *testing.T) {
	e, err := NewEarlyStopping(Min, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	run(t, "loss", e, []step{
		{0.693, true, false},
		{0.41, true, false},
		{0.30, true, false},
		{0.30, false, false}, // equal is no improvement
		{0.29, true, false},
		{0.31, false, false},
		{0.33, false, true},
	}, 4, 0.29)
}

// TestEarlyStoppingEdges: patience 0 stops at the first epoch without
// improvement; NaN scores never improve and count toward patience; a NaN
// first epoch leaves no best.
func TestEarlyStoppingEdges(t *testing.T) {
	e, _ := NewEarlyStopping(Max, 0, 0)
	run(t, "patience 0", e, []step{{0.5, true, false}, {0.6, true, false}, {0.6, false, true}}, 1, 0.6)

	e, _ = NewEarlyStopping(Min, 2, 0)
	nan := math.NaN()
	if imp, stop := e.Step(nan); imp || stop {
		t.Errorf("NaN first: %v %v", imp, stop)
	}
	if _, _, ok := e.Best(); ok {
		t.Errorf("Best after a NaN only is ok")
	}
	e, _ = NewEarlyStopping(Min, 2, 0)
	run(t, "NaN", e, []step{{1.0, true, false}, {nan, false, false}, {nan, false, true}}, 0, 1.0)

	for _, tc := range []struct {
		mode     Mode
		patience int
		delta    float64
	}{{Mode(2), 1, 0}, {Max, -1, 0}, {Min, 1, -0.1}, {Max, 1, math.NaN()}, {Max, 1, math.Inf(1)}} {
		if _, err := NewEarlyStopping(tc.mode, tc.patience, tc.delta); !errors.Is(err, loss.ErrOption) {
			t.Errorf("NewEarlyStopping(%v, %d, %v): %v, want ErrOption", tc.mode, tc.patience, tc.delta, err)
		}
	}
	if Max.String() != "max" || Min.String() != "min" || Mode(5).String() != "Mode(5)" {
		t.Errorf("Mode names: %v %v %v", Max, Min, Mode(5))
	}
}
