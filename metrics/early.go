package metrics

import (
	"fmt"
	"math"

	"github.com/segloss/segloss/loss"
)

// Mode says whether a larger or a smaller score is better.
type Mode int

const (
	// Max: larger is better (Dice, IoU, accuracy).
	Max Mode = iota
	// Min: smaller is better (a validation loss).
	Min
)

// String returns "max" or "min".
func (m Mode) String() string {
	switch m {
	case Max:
		return "max"
	case Min:
		return "min"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// EarlyStopping follows one validation score per epoch and says when to
// stop: at the patience-th epoch in a row without an improvement, as Keras'
// and PyTorch Lightning's EarlyStopping callbacks do. An epoch improves when
// its score beats the best so far by more than the minimum delta (score >
// best + minDelta in Max mode, score < best - minDelta in Min mode); the
// first score that is not NaN always improves. A NaN score (a diverged
// epoch) never improves and counts toward the patience, so a run whose
// first patience scores are NaN stops with nothing to restore: Best then
// reports ok = false. ±Inf scores compare as numbers (+Inf is the best
// possible in Max mode).
//
// Make one with NewEarlyStopping; epochs are numbered from 0 in the order
// their scores are given to Step. The zero value is ready to use: Max mode,
// patience 0, minimum delta 0, no score yet.
type EarlyStopping struct {
	mode     Mode
	patience int
	minDelta float64

	epochs  int // scores seen
	best    float64
	best1   int // the best epoch + 1; 0 before any improvement
	wait    int // epochs since the best
	stopped bool
}

// NewEarlyStopping returns a tracker for scores to maximise (Max) or
// minimise (Min) that stops after patience (>= 0) epochs without an
// improvement larger than minDelta (finite, >= 0). Patience 0 stops at the
// first epoch that does not improve, as patience 1 does (Keras, Lightning).
func NewEarlyStopping(mode Mode, patience int, minDelta float64) (*EarlyStopping, error) {
	if mode != Max && mode != Min {
		return nil, errorf(loss.ErrOption, "unknown Mode %d", int(mode))
	}
	if patience < 0 {
		return nil, errorf(loss.ErrOption, "patience = %d, want at least 0", patience)
	}
	if !(minDelta >= 0) || math.IsInf(minDelta, 1) {
		return nil, errorf(loss.ErrOption, "minDelta = %v, want a finite value >= 0", minDelta)
	}
	e := &EarlyStopping{mode: mode, patience: patience, minDelta: minDelta}
	e.Reset()
	return e, nil
}

// Step records the score of the next epoch. improved says the epoch is the
// new best (save the model's weights now: they are the ones to restore);
// stop says training should end (it stays true until Reset). Steps after
// stop are recorded all the same.
func (e *EarlyStopping) Step(score float64) (improved, stop bool) {
	epoch := e.epochs
	e.epochs++
	switch {
	case math.IsNaN(score):
	case e.best1 == 0:
		improved = true
	case e.mode == Max:
		improved = score > e.best+e.minDelta
	default:
		improved = score < e.best-e.minDelta
	}
	if improved {
		e.best, e.best1, e.wait = score, epoch+1, 0
	} else {
		e.wait++
		if e.wait >= e.patience {
			e.stopped = true
		}
	}
	return improved, e.stopped
}

// Stop reports whether training should end: patience epochs in a row
// (at least one) passed without an improvement.
func (e *EarlyStopping) Stop() bool { return e.stopped }

// Best returns the epoch of the best score and the score: the epoch whose
// weights to restore. ok is false before any score that is not NaN.
func (e *EarlyStopping) Best() (epoch int, score float64, ok bool) {
	if e.best1 == 0 {
		return -1, math.NaN(), false
	}
	return e.best1 - 1, e.best, true
}

// Epochs returns the number of scores recorded.
func (e *EarlyStopping) Epochs() int { return e.epochs }

// Wait returns the number of epochs since the best one.
func (e *EarlyStopping) Wait() int { return e.wait }

// Reset forgets every score, keeping the mode, patience and minimum delta.
func (e *EarlyStopping) Reset() {
	e.epochs, e.best, e.best1, e.wait, e.stopped = 0, 0, 0, 0, false
}
