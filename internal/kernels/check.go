package kernels

import (
	"errors"
	"fmt"
	"math"
)

// ErrArg is the error every function of this package returns, wrapped with
// what is wrong, for arguments it rejects: a slice shorter than its counts
// say, a count or range out of bounds, a nil pointer, unknown flag bits. A
// function that returns an error has written nothing. The checks are O(1):
// label values are not checked (a label outside [0, C) that is not the
// ignored label is skipped like an ignored one, on every tier).
var ErrArg = errors.New("kernels: invalid argument")

// MaxClasses is the largest number of classes C a softmax or confusion
// primitive accepts: a label (uint8 or int32) never names a class above it.
const MaxClasses = math.MaxInt32

// needMask holds every Flags bit.
const needMask = NeedCE | NeedFocal | NeedRegion | NeedSquared | NeedAbsDiff

func argErr(fn, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrArg, fn, fmt.Sprintf(format, args...))
}

// checkLen reports a slice (name, length n) shorter than want.
func checkLen(fn, name string, n, want int) error {
	if n < want {
		return argErr(fn, "%s has %d elements, want at least %d", name, n, want)
	}
	return nil
}

// checkImage checks the shape arguments of a primitive over pixels [lo, hi)
// of one image of C planes of S pixels: 1 <= C <= MaxClasses, S >= 0, C*S
// <= nx (overflow-safe), 0 <= lo <= hi <= S, nlab >= S.
func checkImage(fn string, C, S, nx, lo, hi, nlab int) error {
	switch {
	case C < 1 || C > MaxClasses:
		return argErr(fn, "C = %d, want 1 <= C <= %d", C, MaxClasses)
	case S < 0:
		return argErr(fn, "S = %d, want S >= 0", S)
	case S > nx/C:
		return argErr(fn, "x has %d elements, fewer than C*S for C = %d, S = %d", nx, C, S)
	case lo < 0 || lo > hi || hi > S:
		return argErr(fn, "pixel range [%d, %d), want 0 <= lo <= hi <= S = %d", lo, hi, S)
	case nlab < S:
		return argErr(fn, "labels has %d elements, want S = %d", nlab, S)
	}
	return nil
}

// checkTable reports a per-class table that is neither nil nor of length C.
func checkTable(fn, name string, t []float32, C int) error {
	if t != nil && len(t) != C {
		return argErr(fn, "%s has %d elements, want C = %d (or nil)", name, len(t), C)
	}
	return nil
}

// checkParams checks a SoftmaxParams for C classes.
func checkParams(fn string, p *SoftmaxParams, C int) error {
	switch {
	case p == nil:
		return argErr(fn, "nil SoftmaxParams")
	case p.C != C:
		return argErr(fn, "SoftmaxParams.C = %d, want %d", p.C, C)
	case p.Need&^needMask != 0:
		return argErr(fn, "SoftmaxParams.Need has unknown bits %#x", uint32(p.Need&^needMask))
	}
	if err := checkTable(fn, "SoftmaxParams.CEWeight", p.CEWeight, C); err != nil {
		return err
	}
	if err := checkTable(fn, "SoftmaxParams.Alpha", p.Alpha, C); err != nil {
		return err
	}
	return checkLen(fn, "SoftmaxParams.Scratch", len(p.Scratch), 2*C)
}

// checkCoef checks a SoftmaxCoef for C classes.
func checkCoef(fn string, c *SoftmaxCoef, C int) error {
	if c == nil {
		return argErr(fn, "nil SoftmaxCoef")
	}
	if c.C != C {
		return argErr(fn, "SoftmaxCoef.C = %d, want %d", c.C, C)
	}
	if c.A != nil || c.B != nil || c.E != nil {
		if len(c.A) < C || len(c.B) < C || len(c.E) < C {
			return argErr(fn, "SoftmaxCoef.A, B, E have %d, %d, %d elements, want at least C = %d each (or all nil)", len(c.A), len(c.B), len(c.E), C)
		}
	}
	if err := checkTable(fn, "SoftmaxCoef.CEWeight", c.CEWeight, C); err != nil {
		return err
	}
	if err := checkTable(fn, "SoftmaxCoef.Alpha", c.Alpha, C); err != nil {
		return err
	}
	return checkLen(fn, "SoftmaxCoef.Scratch", len(c.Scratch), 2*C)
}

// checkSums checks the per-class slices of a statistics output.
func checkSums[T float32 | float64](fn, name string, s *SoftmaxSums[T], C int, perClass bool) error {
	if s == nil {
		return argErr(fn, "nil %s", name)
	}
	if perClass && (len(s.P) < C || len(s.PY) < C || len(s.Count) < C || len(s.PP) < C) {
		return argErr(fn, "%s.P, PY, Count, PP have %d, %d, %d, %d elements, want at least C = %d each",
			name, len(s.P), len(s.PY), len(s.Count), len(s.PP), C)
	}
	return nil
}

// checkSigmoid checks the arguments every sigmoid primitive shares: targets
// y and (when not nil) dst at least as long as x, p's flags.
func checkSigmoid(fn string, nx, ny int, p *SigmoidParams) error {
	if err := checkLen(fn, "y", ny, nx); err != nil {
		return err
	}
	if p != nil && p.Need&^needMask != 0 {
		return argErr(fn, "SigmoidParams.Need has unknown bits %#x", uint32(p.Need&^needMask))
	}
	if p != nil && p.Probs && p.Need&NeedFocal != 0 {
		return argErr(fn, "SigmoidParams: the focal sum is not defined for probabilities (Probs)")
	}
	return nil
}

// checkSigmoidCoef rejects a focal gradient for probabilities.
func checkSigmoidCoef(fn string, c *SigmoidCoef) error {
	if c.Probs && c.FocalScale != 0 {
		return argErr(fn, "SigmoidCoef: the focal gradient is not defined for probabilities (Probs)")
	}
	return nil
}
