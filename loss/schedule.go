package loss

import (
	"fmt"
	"math"
)

// Schedule is the chapter's time-varying weight lambda(t) of the mix
// lambda(t)*CE + (1-lambda(t))*Dice: a pure function of the epoch t and the
// total number of epochs T, in [0, 1].
type Schedule interface {
	Lambda(epoch, total int) float64
}

// Linear decays lambda linearly from 1 at epoch 0 to 0 at epoch T:
// lambda(t) = max(0, 1 - t/T).
type Linear struct{}

// Cosine decays lambda from 1 to 0 along a half cosine:
// lambda(t) = (1 + cos(pi * min(t, T)/T)) / 2.
type Cosine struct{}

// Step decays lambda from 1 to 0 in Steps equal steps:
// lambda(t) = 1 - floor(Steps*t/T)/Steps, clamped to [0, 1].
type Step struct{ Steps int }

// Lambda implements Schedule; total <= 0 gives 0, and any epoch gives a
// value in [0, 1].
func (Linear) Lambda(t, T int) float64 {
	if T <= 0 {
		return 0
	}
	return clamp01(1 - float64(t)/float64(T))
}

// Lambda implements Schedule; total <= 0 gives 0, and any epoch gives a
// value in [0, 1].
func (Cosine) Lambda(t, T int) float64 {
	if T <= 0 {
		return 0
	}
	return clamp01((1 + math.Cos(math.Pi*float64(min(max(t, 0), T))/float64(T))) / 2)
}

// Lambda implements Schedule; Steps < 1 counts as 1, total <= 0 gives 0,
// and any epoch gives a value in [0, 1].
func (s Step) Lambda(t, T int) float64 {
	if T <= 0 {
		return 0
	}
	k := max(s.Steps, 1)
	return clamp01(1 - math.Floor(float64(k)*float64(t)/float64(T))/float64(k))
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// Mix returns the chapter's adaptive loss lambda(t)*ce + (1-lambda(t))*region
// for epoch t of T, lambda given by the schedule. Set Ignore (and Workers)
// on the result as on any Multiclass. Nothing is checked here: a nil term,
// bad options or a schedule returning a weight outside [0, 1] or NaN make
// the returned loss's calls return ErrOption or ErrWeight. The terms are
// shared with the result, not copied.
func Mix(s Schedule, epoch, total int, ce *CrossEntropy, region *Region) *Multiclass {
	l := s.Lambda(epoch, total)
	return &Multiclass{Terms: []Weighted{{l, ce}, {1 - l, region}}}
}

// BinaryMix is Mix for sigmoid losses: lambda(t)*bce + (1-lambda(t))*region,
// checked, like Mix's result, at its calls.
func BinaryMix(s Schedule, epoch, total int, bce *BCE, region *Region) *Binary {
	l := s.Lambda(epoch, total)
	return &Binary{Terms: []Weighted{{l, bce}, {1 - l, region}}}
}

// ClassWeights writes into dst (length C) class weights inversely
// proportional to the class frequencies of labels, the chapter's advice for
// imbalanced data: w_c = n / (C * n_c), with n the number of non-ignored
// labels and n_c the count of class c (the "balanced" weights of
// scikit-learn; a class that never occurs gets 0). Labels outside [0, C)
// that are not ignored are an error (so are C < 1, a dst of another length
// and an ignore index that cannot match the labels); on error dst is left
// as it was.
func ClassWeights(labels Labels, C int, ignore IgnoreIndex, dst []float32) error {
	if C < 1 {
		return fmt.Errorf("%w: C = %d, want at least 1", ErrShape, C)
	}
	if len(dst) != C {
		return fmt.Errorf("%w: dst has %d elements, want C = %d", ErrLength, len(dst), C)
	}
	if err := checkLabels(labels, C, ignore); err != nil {
		return err
	}
	counts := make([]int64, C)
	var n int64
	count := func(v int32) {
		if ignore.set && v == ignore.label {
			return
		}
		counts[v]++
		n++
	}
	if labels.i32 != nil {
		for _, v := range labels.i32 {
			count(v)
		}
	} else {
		for _, v := range labels.u8 {
			count(int32(v))
		}
	}
	for c := range dst {
		dst[c] = 0
		if counts[c] > 0 {
			dst[c] = float32(float64(n) / (float64(C) * float64(counts[c])))
		}
	}
	return nil
}
