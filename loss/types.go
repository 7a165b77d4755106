package loss

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// Errors returned by the losses; each returned error wraps one of these and
// says which value is wrong.
var (
	// ErrShape: N, C or S is less than 1, or N*C*S overflows.
	ErrShape = errors.New("loss: bad shape")
	// ErrLength: logits, labels, targets, gradient or a per-class slice
	// does not have the length the shape asks for.
	ErrLength = errors.New("loss: wrong length")
	// ErrLabel: a label is outside [0, C) and is not the ignore index, or a
	// target is outside [0, 1].
	ErrLabel = errors.New("loss: label out of range")
	// ErrWeight: a weight is negative, NaN or infinite.
	ErrWeight = errors.New("loss: bad weight")
	// ErrOption: an option is out of range or does not fit the loss.
	ErrOption = errors.New("loss: bad option")
	// ErrRange: the gradient does not fit float32: a gradient scale or a
	// region coefficient is beyond about math.MaxFloat32/16, or not finite
	// (a -log Dice entry with no overlap and no smoothing; a huge term or
	// class weight with the Sum reduction). Backward and Gradient then
	// return the loss value with the error and write no gradient.
	ErrRange = errors.New("loss: gradient out of float32 range")
)

// gradLimit bounds the gradient scales and region coefficients that reach
// the float32 kernels, with room for the few products and sums a kernel
// makes of them.
const gradLimit = math.MaxFloat32 / 16

// rangeErr returns ErrRange, naming what, unless |v| <= gradLimit.
func rangeErr(v float64, what string) error {
	if math.Abs(v) <= gradLimit {
		return nil
	}
	return fmt.Errorf("%w: %s is %v", ErrRange, what, v)
}

// Shape is the shape of a batch of logits: N images, C classes (channels
// for Binary), S pixels per plane.
type Shape struct{ N, C, S int }

// NewShape returns the Shape of an N x C x spatial... batch, S being the
// product of the spatial sizes (H, W for images, D, H, W for volumes; none
// for S = 1). A spatial size below 1, or a product that overflows int,
// gives S = -1: a Shape every call rejects with ErrShape.
func NewShape(n, c int, spatial ...int) Shape {
	const maxInt = int(^uint(0) >> 1)
	s := 1
	for _, d := range spatial {
		if d < 1 || s > maxInt/d {
			return Shape{N: n, C: c, S: -1}
		}
		s *= d
	}
	return Shape{N: n, C: c, S: s}
}

// Len returns N*C*S, the number of logits (meaningful for a Shape that the
// calls accept: for a bad one, such as N*C*S overflowing, it is whatever
// the int product gives, and the calls return ErrShape).
func (s Shape) Len() int { return s.N * s.C * s.S }

func (s Shape) check() error {
	if s.N < 1 || s.C < 1 || s.S < 1 {
		return fmt.Errorf("%w: N=%d C=%d S=%d, each must be at least 1 (NewShape gives S = -1 for a spatial size < 1 or an overflowing product)", ErrShape, s.N, s.C, s.S)
	}
	const maxInt = int(^uint(0) >> 1)
	if s.N > maxInt/s.C || s.N*s.C > maxInt/s.S {
		return fmt.Errorf("%w: N*C*S overflows", ErrShape)
	}
	return nil
}

// labelsLenErr is the ErrLength of nlab labels for logits of shape sh
// (whose length matched). Labels as many as the logits are likely one-hot;
// when the logits' and labels' lengths fit N x C' x S' for another C' > 1
// (the shape given in another order, such as NewShape(n, h, w, c) for NHWC
// data), the message says that the layout is N x C x spatial and that the
// order may be wrong.
func labelsLenErr(nlab int, sh Shape) error {
	err := fmt.Errorf("%w: labels have %d elements, want N*S = %d (N=%d C=%d S=%d)", ErrLength, nlab, sh.N*sh.S, sh.N, sh.C, sh.S)
	switch nx := sh.Len(); {
	case nlab == nx:
		err = fmt.Errorf("%w; as many labels as logits: a Multiclass takes one class index per pixel, not one-hot labels", err)
	case nlab > 0 && nlab%sh.N == 0 && nx%nlab == 0:
		err = fmt.Errorf("%w; the layout is N x C x spatial (NCHW), and %d logits with %d labels fit C = %d, S = %d: "+
			"the shape may have been given in another order (NHWC data needs a transpose to NCHW)", err, nx, nlab, nx/nlab, nlab/sh.N)
	}
	return err
}

// Reduction says how per-pixel values of a pixelwise term (CrossEntropy,
// Focal, BCE, SigmoidFocal) become the term's value.
type Reduction int

const (
	// Mean is torch's default: for CrossEntropy the sum of w_y * l over
	// non-ignored pixels divided by the sum of w_y; for Focal the mean over
	// non-ignored pixels; for BCE and SigmoidFocal the mean over elements.
	Mean Reduction = iota
	// Sum adds the per-pixel values.
	Sum
	// None keeps the per-pixel values: Pixelwise writes them, and Forward
	// and Backward use their sum (the value whose gradient torch's
	// loss.sum().backward() gives).
	None
	// PixelMean divides the sum by the number of non-ignored pixels, even
	// with class weights: the chapter's weighted cross entropy,
	// -1/N sum_i w_{y_i} log p_{i,y_i}.
	PixelMean
	// WeightMean divides the sum of w*l by the weighted divisor of a
	// weighted call (ForwardWeighted, BackwardWeighted of Binary and
	// Multiclass): for BCE, SigmoidFocal and Focal the sum of the weights w
	// (of the non-ignored pixels), torch's (w * l).sum() / w.sum(); for
	// CrossEntropy the sum of w*w_y, w_y the class weight. Mean keeps
	// Mean's divisor under weights (torch's binary_cross_entropy_with_logits
	// with weight=w: (w * l).mean()). Without weights WeightMean is Mean.
	// The shard API (Accumulate, Gradient) takes no weights.
	WeightMean
)

// Activation says what a loss's inputs are.
type Activation int

const (
	// FromLogits: the inputs are logits, and the loss applies its
	// activation (sigmoid for Binary, softmax for Multiclass). The default.
	FromLogits Activation = iota
	// NoActivation: the inputs are probabilities p in [0, 1], used as they
	// are (MONAI's sigmoid=False, SMP's from_logits=False, torch's
	// binary_cross_entropy); gradients are d(loss)/d(p). Binary, and
	// Multiclass with Region terms only, Forward and Backward (see
	// Multiclass.Activation).
	NoActivation
)

// String returns the activation's name.
func (a Activation) String() string {
	switch a {
	case FromLogits:
		return "logits"
	case NoActivation:
		return "none"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// String returns the policy's name.
func (p EmptyPolicy) String() string {
	switch p {
	case EmptyComputed:
		return "computed"
	case EmptySkip:
		return "skip"
	case EmptyZero:
		return "zero"
	}
	return fmt.Sprintf("EmptyPolicy(%d)", int(p))
}

// String returns the reduction's name.
func (r Reduction) String() string {
	switch r {
	case Mean:
		return "mean"
	case Sum:
		return "sum"
	case None:
		return "none"
	case PixelMean:
		return "pixelmean"
	case WeightMean:
		return "weightmean"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

func (r Reduction) check(term string) error {
	if r < Mean || r > WeightMean {
		return fmt.Errorf("%w: %s: unknown reduction %d", ErrOption, term, int(r))
	}
	return nil
}

// IgnoreIndex names a label value whose pixels take no part in a loss. Its
// zero value ignores nothing; Ignore(255) ignores label 255.
type IgnoreIndex struct {
	label int32
	set   bool
	v     int // the value given to Ignore
}

// Ignore returns the IgnoreIndex for label (torch's ignore_index; it may be
// negative, such as torch's -100, for int32 labels). A call with the
// resulting IgnoreIndex returns ErrOption when label cannot be a label of
// the call: outside the int32 range for int32 labels, outside [0, 255] for
// uint8 labels.
func Ignore(label int) IgnoreIndex { return IgnoreIndex{label: int32(label), set: true, v: label} }

// Label returns the ignored label and whether one is set.
func (g IgnoreIndex) Label() (int, bool) { return g.v, g.set }

// check returns an error when the ignore index can never match labels l.
func (g IgnoreIndex) check(l Labels) error {
	if !g.set {
		return nil
	}
	if int(g.label) != g.v {
		return fmt.Errorf("%w: ignore index %d is outside the int32 range of labels", ErrOption, g.v)
	}
	if l.i32 == nil && (g.v < 0 || g.v > 255) {
		return fmt.Errorf("%w: ignore index %d can never match uint8 labels (want 0..255, or int32 labels)", ErrOption, g.v)
	}
	return nil
}

// Labels holds the class-index targets of a batch, one per pixel (N*S), as
// uint8 or int32.
type Labels struct {
	u8  []uint8
	i32 []int32
}

// U8 wraps uint8 labels. The slice is shared, not copied; a nil slice is
// an empty set of labels (ErrLength at a call).
func U8(l []uint8) Labels { return Labels{u8: l} }

// I32 wraps int32 labels. The slice is shared, not copied; a nil slice is
// an empty set of labels (ErrLength at a call).
func I32(l []int32) Labels { return Labels{i32: l} }

// Uint8 returns the uint8 labels, or nil when they are int32.
func (l Labels) Uint8() []uint8 { return l.u8 }

// Int32 returns the int32 labels, or nil when they are uint8.
func (l Labels) Int32() []int32 { return l.i32 }

// Check returns an error wrapping ErrLabel that names the first label
// outside [0, C) that is not the ignore index, or ErrOption when the ignore
// index can never match these labels (see Ignore).
func (l Labels) Check(C int, ignore IgnoreIndex) error { return checkLabels(l, C, ignore) }

// slice returns labels [a, b).
func (l Labels) slice(a, b int) Labels {
	if l.i32 != nil {
		return Labels{i32: l.i32[a:b]}
	}
	return Labels{u8: l.u8[a:b]}
}

// at returns label i.
func (l Labels) at(i int) int32 {
	if l.i32 != nil {
		return l.i32[i]
	}
	return int32(l.u8[i])
}

// Len returns the number of labels.
func (l Labels) Len() int {
	if l.i32 != nil {
		return len(l.i32)
	}
	return len(l.u8)
}

// checkLabels returns an error naming the first label outside [0, C) that is
// not ignored.
func checkLabels(l Labels, C int, ign IgnoreIndex) error {
	if err := ign.check(l); err != nil {
		return err
	}
	bad := func(i int, v int32) error {
		return fmt.Errorf("%w: label %d at index %d, want 0 <= label < C = %d or the ignore index", ErrLabel, v, i, C)
	}
	if l.i32 != nil {
		if !anyBadI32(l.i32, C, ign) {
			return nil
		}
		for i, v := range l.i32 {
			if (v < 0 || int(v) >= C) && !(ign.set && v == ign.label) {
				return bad(i, v)
			}
		}
		return nil
	}
	if C >= 256 {
		return nil
	}
	if C <= 128 && !anyBadU8(l.u8, C, ign) {
		return nil
	}
	for i, v := range l.u8 {
		if int(v) >= C && !(ign.set && int32(v) == ign.label) {
			return bad(i, int32(v))
		}
	}
	return nil
}

// checkWeights checks an optional per-class slice: nil, or C finite values
// in [0, hi].
func checkWeights(w []float32, C int, what string, hi float64) error {
	if w == nil {
		return nil
	}
	if len(w) != C {
		return fmt.Errorf("%w: %s has %d values, want C = %d", ErrLength, what, len(w), C)
	}
	for i, v := range w {
		if !(v >= 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: %s[%d] = %v, want a finite value >= 0", ErrWeight, what, i, v)
		}
		if float64(v) > hi {
			return fmt.Errorf("%w: %s[%d] = %v, want a value <= 2^64", ErrWeight, what, i, v)
		}
	}
	return nil
}

func checkTermWeight(w float64, i int) error {
	switch {
	case !(w >= 0):
		return fmt.Errorf("%w: term %d has weight %v, want a value >= 0", ErrWeight, i, w)
	case w > maxWeight:
		return fmt.Errorf("%w: term %d has weight %v, want at most 2^64 (segloss's bound on weights)", ErrWeight, i, w)
	}
	return nil
}

// maxExponent bounds the exponents and ratio weights of the options (focal
// gamma, Tversky alpha and beta): beyond it their powers and products leave
// float64 and float32 for ordinary inputs.
const maxExponent = 1e6

// maxWeight bounds the weights that multiply per-pixel values inside the
// float32 kernels (term weights, BCE PosWeight, focal Alpha, Region
// Weight): a block sums up to 1024 such values in float32.
const maxWeight = 1 << 64

// checkRange checks an option whose meaning asks for lo <= v <= hi (NaN
// fails). A range without an upper bound (hi = +Inf or math.MaxFloat64)
// reads "want a value >= lo".
func checkRange(v float64, lo, hi float64, what string) error {
	if v >= lo && v <= hi {
		return nil
	}
	if hi >= math.MaxFloat64 {
		return fmt.Errorf("%w: %s = %v, want a value >= %g", ErrOption, what, v, lo)
	}
	return fmt.Errorf("%w: %s = %v, want a value in [%g, %g]", ErrOption, what, v, lo, hi)
}

// checkExponent checks an exponent or ratio weight (focal gamma, Tversky
// alpha and beta): >= 0 by its meaning (NaN fails), at most maxExponent by
// segloss's bound; the message names the bound v misses.
func checkExponent(v float64, what string) error {
	switch {
	case !(v >= 0):
		return fmt.Errorf("%w: %s = %v, want a value >= 0", ErrOption, what, v)
	case v > maxExponent:
		return fmt.Errorf("%w: %s = %v, want at most %g (segloss's bound on exponents and ratio weights)", ErrOption, what, v, float64(maxExponent))
	}
	return nil
}

// anyBadU8 reports whether a label of l is >= C (C <= 128) and not the
// ignore index, eight labels per step (SWAR): the exact scan that names the
// first bad label runs only when it finds one.
func anyBadU8(l []uint8, C int, ign IgnoreIndex) bool {
	const ones, lows, highs = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	add := uint64(128-C) * ones // low 7 bits + 128-C carries into bit 7 iff they are >= C
	ignSet := ign.set && ign.label >= 0 && ign.label <= 255
	ignB := uint64(uint8(ign.label)) * ones
	// ge has bit 7 of each byte set where the label is >= C; where the
	// byte equals the ignore index, ne has its bit 7 clear.
	bad := func(x uint64) uint64 {
		ge := ((x & lows) + add | x) & highs
		if ignSet {
			y := x ^ ignB
			ne := ((y & lows) + lows | y) & highs // 7 low bits + 0x7f carry into bit 7 iff they are not 0
			ge &= ne
		}
		return ge
	}
	i := 0
	var acc uint64
	for ; i+32 <= len(l); i += 32 {
		acc |= bad(binary.LittleEndian.Uint64(l[i:])) | bad(binary.LittleEndian.Uint64(l[i+8:])) |
			bad(binary.LittleEndian.Uint64(l[i+16:])) | bad(binary.LittleEndian.Uint64(l[i+24:]))
		if acc != 0 {
			return true
		}
	}
	for ; i < len(l); i++ {
		if v := l[i]; int(v) >= C && !(ignSet && uint64(v) == ignB&0xff) {
			return true
		}
	}
	return false
}

// anyBadI32 reports whether a label of l is outside [0, C) and not the
// ignore index, branch-free: as uint32, a label is in range exactly when it
// is below min(C, 2^31) (negative ones wrap to 2^31 and above), and the ignore index is
// replaced by 0 (a valid label) before the running maximum, four lanes at
// a time. checkLabels runs the exact scan, for its message, only when this
// finds something.
func anyBadI32(l []int32, C int, ign IgnoreIndex) bool {
	ig := uint32(0) // without an ignore index: 0, which is in range anyway
	if ign.set {
		ig = uint32(ign.label)
	}
	var m0, m1, m2, m3 uint32
	lane := func(v int32) uint32 {
		u := uint32(v)
		if u == ig {
			u = 0
		}
		return u
	}
	i := 0
	for ; i+4 <= len(l); i += 4 {
		t := l[i : i+4 : i+4]
		m0 = max(m0, lane(t[0]))
		m1 = max(m1, lane(t[1]))
		m2 = max(m2, lane(t[2]))
		m3 = max(m3, lane(t[3]))
	}
	for ; i < len(l); i++ {
		m0 = max(m0, lane(l[i]))
	}
	// A negative label wraps to at least 2^31 as uint32, so the bound is
	// C up to 2^31 (every label >= 0 is below it), not C itself: with C >=
	// 2^32 a negative label would pass.
	return uint64(max(m0, m1, m2, m3)) >= uint64(min(C, 1<<31))
}

// overlap reports whether the memory of a and b (both non-empty) overlaps.
func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}

// checkAlias returns ErrOption when an output slice shares memory with an
// input: the passes read their inputs again after writing (and in another
// order than a pixel at a time), so no output may overlap an input, not even
// exactly.
func checkAlias(out []float32, what string, ins ...[]float32) error {
	for i, in := range ins {
		if overlap(out, in) {
			name := "the logits"
			switch i {
			case 1:
				name = "the targets"
			case 2:
				name = "the weights"
			}
			return fmt.Errorf("%w: %s overlaps %s in memory; give it a buffer of its own", ErrOption, what, name)
		}
	}
	return nil
}
