package kernels

import "unsafe"

// Every function here checks its arguments in O(1) first and returns an
// error wrapping ErrArg, having written nothing, for any it rejects (see
// check.go); the checks and their results are the same on every tier.

// Exp writes exp(x[i]) into dst[i] for i < len(dst). An x shorter than dst
// is an error.
func Exp(dst, x []float32) error {
	if err := checkLen("Exp", "x", len(x), len(dst)); err != nil {
		return err
	}
	active.Load().exp(dst, x[:len(dst)])
	return nil
}

// Log writes the natural logarithm of x[i] into dst[i] for i < len(dst).
// An x shorter than dst is an error.
func Log(dst, x []float32) error {
	if err := checkLen("Log", "x", len(x), len(dst)); err != nil {
		return err
	}
	active.Load().log(dst, x[:len(dst)])
	return nil
}

// Sigmoid writes 1/(1+exp(-x[i])) into dst[i] for i < len(dst). An x
// shorter than dst is an error.
func Sigmoid(dst, x []float32) error {
	if err := checkLen("Sigmoid", "x", len(x), len(dst)); err != nil {
		return err
	}
	active.Load().sigmoid(dst, x[:len(dst)])
	return nil
}

// SigmoidBlock computes the float32 sums of one block, and their Bits,
// into s: x holds at most BlockSize elements, y at least as many targets. A longer x, a
// shorter y, nil p or s, or unknown bits in p.Need are errors.
func SigmoidBlock(x, y []float32, p *SigmoidParams, s *SigmoidSums[float32]) error {
	const fn = "SigmoidBlock"
	if p == nil || s == nil {
		return argErr(fn, "nil SigmoidParams or SigmoidSums")
	}
	if len(x) > BlockSize {
		return argErr(fn, "x has %d elements, more than BlockSize = %d", len(x), BlockSize)
	}
	if err := checkSigmoid(fn, len(x), len(y), p); err != nil {
		return err
	}
	active.Load().sigmoidStats(x, y[:len(x)], nil, p, s)
	return nil
}

// SigmoidPlane adds the sums of p = sigmoid(x) against targets y (at least
// as long as x) to out, block by block in float64, and raises out.Bits to
// the largest of the blocks' Bits (SigmoidSums); blk is the float32 block
// buffer. A shorter y, a nil pointer, or unknown bits in p.Need are errors.
func SigmoidPlane(x, y []float32, p *SigmoidParams, blk *SigmoidSums[float32], out *SigmoidSums[float64]) error {
	return sigmoidPlane("SigmoidPlane", x, y, nil, p, blk, out)
}

// SigmoidPlaneWeighted is SigmoidPlane with per-element weights w (at least
// as long as x): element i adds w[i] times its terms to every sum (P sums
// w*p, PY w*p*y, Y w*y, PP w*p*p, YY w*y*y, BCE and Focal w times the
// element's value). A w shorter than x is an error.
func SigmoidPlaneWeighted(x, y, w []float32, p *SigmoidParams, blk *SigmoidSums[float32], out *SigmoidSums[float64]) error {
	const fn = "SigmoidPlaneWeighted"
	if err := checkLen(fn, "w", len(w), len(x)); err != nil {
		return err
	}
	return sigmoidPlane(fn, x, y, w[:len(x)], p, blk, out)
}

func sigmoidPlane(fn string, x, y, w []float32, p *SigmoidParams, blk *SigmoidSums[float32], out *SigmoidSums[float64]) error {
	if p == nil || blk == nil || out == nil {
		return argErr(fn, "nil SigmoidParams or SigmoidSums")
	}
	if err := checkSigmoid(fn, len(x), len(y), p); err != nil {
		return err
	}
	t := active.Load()
	y = y[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		wb := block(w, lo, hi)
		t.sigmoidStats(x[lo:hi], y[lo:hi], wb, p, blk)
		b := blk
		out.P += float64(b.P)
		out.PY += float64(b.PY)
		out.Y += float64(b.Y)
		out.PP += float64(b.PP)
		out.YY += float64(b.YY)
		out.AD += float64(b.AD)
		out.Bits = max(out.Bits, b.Bits)
		addSigmoidWide(x[lo:hi], y[lo:hi], wb, p, b, out)
	}
	return nil
}

// block returns w[lo:hi], or nil for a nil w.
func block(w []float32, lo, hi int) []float32 {
	if w == nil {
		return nil
	}
	return w[lo:hi]
}

// addSigmoidWide adds the block's BCE and Focal sums blk to out, from
// sigmoidWide's float64 pass over the block (x, y, weights w or nil) when
// blk's float32 sums are not finite (wide.go).
func addSigmoidWide(x, y, w []float32, p *SigmoidParams, blk *SigmoidSums[float32], out *SigmoidSums[float64]) {
	bce, foc := float64(blk.BCE), float64(blk.Focal)
	if !finite32(blk.BCE) || !finite32(blk.Focal) {
		bce, foc = sigmoidWide(x, y, w, p)
	}
	out.BCE += bce
	out.Focal += foc
}

// addSoftmaxWide adds the block's CE, W, Focal and Valid sums blk to out,
// CE and Focal from softmaxWide's float64 pass over pixels [lo, hi) when
// blk's float32 sums are not finite (wide.go).
func addSoftmaxWide[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) {
	ce, foc := float64(blk.CE), float64(blk.Focal)
	if !finite32(blk.CE) || !finite32(blk.Focal) {
		ce, foc = softmaxWide(x, S, lo, hi, labels, p)
	}
	out.CE += ce
	out.W += float64(blk.W)
	out.Focal += foc
	out.Valid += float64(blk.Valid)
}

// SigmoidGrad writes the gradient of SigmoidCoef for every element of x
// into dst and returns the largest bits of the targets y (and, with
// c.Probs, of the inputs x), as SigmoidSums.Bits: the check of a pass that
// runs no statistics pass first. With c.Probs and E, D and BCEScale all 0
// the gradient is A·y + B, whatever x in [0, 1]: then x is not read (a
// NaN there does not reach dst) and the bits are those of y alone. A y or
// dst shorter than x, or a nil c, is an error (and 0).
func SigmoidGrad(x, y []float32, c *SigmoidCoef, dst []float32) (uint32, error) {
	return sigmoidGrad("SigmoidGrad", x, y, nil, c, dst)
}

// SigmoidGradWeighted is SigmoidGrad with per-element weights w (at least as
// long as x): element i's gradient is w[i] times SigmoidGrad's. A w shorter
// than x is an error.
func SigmoidGradWeighted(x, y, w []float32, c *SigmoidCoef, dst []float32) (uint32, error) {
	const fn = "SigmoidGradWeighted"
	if err := checkLen(fn, "w", len(w), len(x)); err != nil {
		return 0, err
	}
	return sigmoidGrad(fn, x, y, w[:len(x)], c, dst)
}

func sigmoidGrad(fn string, x, y, w []float32, c *SigmoidCoef, dst []float32) (uint32, error) {
	if c == nil {
		return 0, argErr(fn, "nil SigmoidCoef")
	}
	if err := checkSigmoid(fn, len(x), len(y), nil); err != nil {
		return 0, err
	}
	if err := checkSigmoidCoef(fn, c); err != nil {
		return 0, err
	}
	if err := checkLen(fn, "dst", len(dst), len(x)); err != nil {
		return 0, err
	}
	t := active.Load()
	y, dst = y[:len(x)], dst[:len(x)]
	var bits uint32
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		bits = max(bits, t.sigmoidGrad(x[lo:hi], y[lo:hi], block(w, lo, hi), c, dst[lo:hi]))
	}
	return bits, nil
}

// SigmoidFused runs the statistics pass and the gradient pass of x against
// targets y at once, block by block: it writes the gradient of c into dst,
// as SigmoidGrad does, and adds the BCE and Focal sums of p to out, as
// SigmoidPlane does (the same values bit for bit; the region sums are not
// computed), and raises out.Bits as SigmoidPlane does. It is the single
// pass of a loss whose terms are all pixelwise. p and c describe the same loss: the same PosWeight,
// FocalAlpha and FocalGamma. blk is the float32 block buffer. A y or dst
// shorter than x, a nil pointer, or unknown bits in p.Need are errors.
func SigmoidFused(x, y []float32, p *SigmoidParams, c *SigmoidCoef, blk *SigmoidSums[float32], out *SigmoidSums[float64], dst []float32) error {
	return sigmoidFused("SigmoidFused", x, y, nil, p, c, blk, out, dst)
}

// SigmoidFusedWeighted is SigmoidFused with per-element weights w (at least
// as long as x), as SigmoidPlaneWeighted and SigmoidGradWeighted take them.
// A w shorter than x is an error.
func SigmoidFusedWeighted(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, blk *SigmoidSums[float32], out *SigmoidSums[float64], dst []float32) error {
	const fn = "SigmoidFusedWeighted"
	if err := checkLen(fn, "w", len(w), len(x)); err != nil {
		return err
	}
	return sigmoidFused(fn, x, y, w[:len(x)], p, c, blk, out, dst)
}

func sigmoidFused(fn string, x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, blk *SigmoidSums[float32], out *SigmoidSums[float64], dst []float32) error {
	if p == nil || c == nil || blk == nil || out == nil {
		return argErr(fn, "nil SigmoidParams, SigmoidCoef or SigmoidSums")
	}
	if err := checkSigmoid(fn, len(x), len(y), p); err != nil {
		return err
	}
	if err := checkSigmoidCoef(fn, c); err != nil {
		return err
	}
	if p.Probs != c.Probs {
		return argErr(fn, "SigmoidParams.Probs and SigmoidCoef.Probs differ (the same loss takes the same inputs)")
	}
	if err := checkLen(fn, "dst", len(dst), len(x)); err != nil {
		return err
	}
	t := active.Load()
	y, dst = y[:len(x)], dst[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		wb := block(w, lo, hi)
		t.sigmoidFused(x[lo:hi], y[lo:hi], wb, p, c, blk, dst[lo:hi])
		out.Bits = max(out.Bits, blk.Bits)
		addSigmoidWide(x[lo:hi], y[lo:hi], wb, p, blk, out)
	}
	return nil
}

// The softmax primitives see pixels [lo, hi) of one image: x holds its C
// planes of S pixels (C = p.C or c.C, at least C*S elements), labels its S
// labels (at least S). They reject, with an error: C outside [1,
// MaxClasses], S < 0, C*S past len(x), a range other than 0 <= lo <= hi <=
// S, fewer than S labels, a dst (gradients) shorter than C*S, p and c of
// different C, unknown bits in p.Need, CEWeight or Alpha neither nil nor of
// length C, A, B and E neither all nil nor all at least C long, a Scratch
// shorter than 2*C, nil pointers, and per-class slices of the sums shorter
// than C where the function fills them.
//
// A pixel whose label is the ignored one (UseIgnore) or outside [0, C) is
// skipped: it adds to no sum, and its gradient is 0.

// SoftmaxBlock computes the float32 sums of pixels [lo, hi) of one image
// (hi-lo at most BlockSize, else an error; the drivers take BlockPixels(C)
// to bound an assembly call) into s (slices of at least C).
func SoftmaxBlock[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, s *SoftmaxSums[float32]) error {
	const fn = "SoftmaxBlock"
	if p == nil {
		return argErr(fn, "nil SoftmaxParams")
	}
	if err := checkStats(fn, x, S, lo, hi, len(labels), p, s); err != nil {
		return err
	}
	if hi-lo > BlockSize {
		return argErr(fn, "%d pixels, more than BlockSize = %d", hi-lo, BlockSize)
	}
	softmaxBlock(tierFor(p.C), x[:p.C*S], S, lo, hi, labels[:S], p, s)
	return nil
}

// checkStats checks the arguments of a statistics pass.
func checkStats(fn string, x []float32, S, lo, hi, nlab int, p *SoftmaxParams, s *SoftmaxSums[float32]) error {
	if err := checkImage(fn, p.C, S, len(x), lo, hi, nlab); err != nil {
		return err
	}
	if err := checkParams(fn, p, p.C); err != nil {
		return err
	}
	if p.PixelWeight != nil && len(p.PixelWeight) < S {
		return argErr(fn, "SoftmaxParams.PixelWeight has %d elements, want at least S = %d (or nil)", len(p.PixelWeight), S)
	}
	if p.Probs != nil {
		if len(p.Probs) < p.C*S {
			return argErr(fn, "SoftmaxParams.Probs has %d elements, want at least C*S = %d (or nil)", len(p.Probs), p.C*S)
		}
		if overlaps(p.Probs[:p.C*S], x[:p.C*S]) {
			return argErr(fn, "SoftmaxParams.Probs overlaps x")
		}
	}
	return checkSums(fn, "block buffer", s, p.C, true)
}

// softmaxBlock is SoftmaxBlock without its checks.
func softmaxBlock[L Label](t *tier, x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, s *SoftmaxSums[float32]) {
	switch l := any(labels).(type) {
	case []uint8:
		t.softmaxStatsU8(x, S, lo, hi, l, p, s)
	case []int32:
		t.softmaxStatsI32(x, S, lo, hi, l, p, s)
	default:
		softmaxStatsGeneric(x, S, lo, hi, labels, p, s)
	}
}

// SoftmaxImage adds the sums of one image (C planes of S pixels in x, S
// labels) to out, block by block in float64. blk is the float32 block
// buffer; blk's and out's slices have at least C elements.
func SoftmaxImage[L Label](x []float32, S int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) error {
	return softmaxRange("SoftmaxImage", x, S, 0, S, labels, p, blk, out)
}

// SoftmaxRange adds the sums of pixels [lo, hi) of one image to out, block
// by block in float64, blocks starting at lo. blk is the float32 block
// buffer; blk's and out's slices have at least C elements.
func SoftmaxRange[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) error {
	return softmaxRange("SoftmaxRange", x, S, lo, hi, labels, p, blk, out)
}

func softmaxRange[L Label](fn string, x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) error {
	if p == nil {
		return argErr(fn, "nil SoftmaxParams")
	}
	if err := checkStats(fn, x, S, lo, hi, len(labels), p, blk); err != nil {
		return err
	}
	C := p.C
	if err := checkSums(fn, "out", out, C, true); err != nil {
		return err
	}
	t := tierFor(C)
	x, labels = x[:C*S], labels[:S]
	oP, oPY, oCount, oPP := out.P[:C], out.PY[:C], out.Count[:C], out.PP[:C]
	bP, bPY, bCount, bPP := blk.P[:C], blk.PY[:C], blk.Count[:C], blk.PP[:C]
	bp := BlockPixels(C)
	for lo := lo; lo < hi; lo += bp {
		hi := min(lo+bp, hi)
		softmaxBlock(t, x, S, lo, hi, labels, p, blk)
		for c := 0; c < C; c++ {
			oP[c] += float64(bP[c])
			oPY[c] += float64(bPY[c])
			oCount[c] += float64(bCount[c])
			oPP[c] += float64(bPP[c])
		}
		addSoftmaxWide(x, S, lo, hi, labels, p, blk, out)
	}
	return nil
}

// SoftmaxGrad writes the gradient of SoftmaxCoef for every pixel of one
// image: x and dst hold C planes of S pixels, labels S labels.
func SoftmaxGrad[L Label](x []float32, S int, labels []L, c *SoftmaxCoef, dst []float32) error {
	return softmaxGradRange("SoftmaxGrad", x, S, 0, S, labels, c, dst)
}

// SoftmaxGradRange writes the gradient of SoftmaxCoef for pixels [lo, hi) of
// one image (x and dst hold its C planes of S pixels, labels its S labels),
// block by block from lo; dst outside those pixels is left as it is.
func SoftmaxGradRange[L Label](x []float32, S, lo, hi int, labels []L, c *SoftmaxCoef, dst []float32) error {
	return softmaxGradRange("SoftmaxGradRange", x, S, lo, hi, labels, c, dst)
}

// checkGrad checks the arguments of a gradient pass.
func checkGrad(fn string, x []float32, S, lo, hi, nlab int, c *SoftmaxCoef, dst []float32) error {
	if c == nil {
		return argErr(fn, "nil SoftmaxCoef")
	}
	if err := checkImage(fn, c.C, S, len(x), lo, hi, nlab); err != nil {
		return err
	}
	if err := checkCoef(fn, c, c.C); err != nil {
		return err
	}
	if c.PixelWeight != nil && len(c.PixelWeight) < S {
		return argErr(fn, "SoftmaxCoef.PixelWeight has %d elements, want at least S = %d (or nil)", len(c.PixelWeight), S)
	}
	return checkLen(fn, "dst", len(dst), c.C*S)
}

func softmaxGradRange[L Label](fn string, x []float32, S, lo, hi int, labels []L, c *SoftmaxCoef, dst []float32) error {
	if err := checkGrad(fn, x, S, lo, hi, len(labels), c, dst); err != nil {
		return err
	}
	t := tierFor(c.C)
	x, dst, labels = x[:c.C*S], dst[:c.C*S], labels[:S]
	bp := BlockPixels(c.C)
	for lo := lo; lo < hi; lo += bp {
		hi := min(lo+bp, hi)
		switch l := any(labels).(type) {
		case []uint8:
			t.softmaxGradU8(x, S, lo, hi, l, c, dst)
		case []int32:
			t.softmaxGradI32(x, S, lo, hi, l, c, dst)
		default:
			softmaxGradGeneric(x, S, lo, hi, labels, c, dst)
		}
	}
	if t.fence != nil {
		t.fence()
	}
	return nil
}

// SoftmaxFusedRange runs the statistics pass and the gradient pass of
// pixels [lo, hi) of one image at once, block by block from lo: it writes
// the gradient of c into dst, as SoftmaxGradRange does, and adds the CE, W,
// Focal and Valid sums of p to out, as SoftmaxRange does (the same values
// bit for bit); the per-class sums (P, PY, Count, PP) are not computed, and
// neither blk's nor out's per-class slices are used (they may be nil). It
// is the single pass of a loss whose terms are all pixelwise, whose
// gradient coefficients are known before its statistics. p and c describe
// the same loss: the same C, ignored label, CE weights, smoothing, focal
// alpha and gamma (they may share their Scratch). blk is the float32 block
// buffer.
func SoftmaxFusedRange[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, c *SoftmaxCoef, blk *SoftmaxSums[float32], out *SoftmaxSums[float64], dst []float32) error {
	const fn = "SoftmaxFusedRange"
	if err := checkGrad(fn, x, S, lo, hi, len(labels), c, dst); err != nil {
		return err
	}
	if c.FromProbs {
		return argErr(fn, "SoftmaxCoef.FromProbs: the fused pass takes logits")
	}
	if err := checkParams(fn, p, c.C); err != nil {
		return err
	}
	if len(p.PixelWeight) != len(c.PixelWeight) || (p.PixelWeight == nil) != (c.PixelWeight == nil) ||
		unsafe.SliceData(p.PixelWeight) != unsafe.SliceData(c.PixelWeight) {
		return argErr(fn, "SoftmaxParams.PixelWeight and SoftmaxCoef.PixelWeight differ (the same loss takes the same weights)")
	}
	if err := checkSums(fn, "block buffer", blk, c.C, false); err != nil {
		return err
	}
	if err := checkSums(fn, "out", out, c.C, false); err != nil {
		return err
	}
	t := tierFor(c.C)
	x, dst, labels = x[:c.C*S], dst[:c.C*S], labels[:S]
	bp := BlockPixels(c.C)
	for lo := lo; lo < hi; lo += bp {
		hi := min(lo+bp, hi)
		switch l := any(labels).(type) {
		case []uint8:
			t.softmaxFusedU8(x, S, lo, hi, l, p, c, blk, dst)
		case []int32:
			t.softmaxFusedI32(x, S, lo, hi, l, p, c, blk, dst)
		default:
			softmaxFusedGeneric(x, S, lo, hi, labels, p, c, blk, dst)
		}
		addSoftmaxWide(x, S, lo, hi, labels, p, blk, out)
	}
	if t.fence != nil {
		t.fence()
	}
	return nil
}

// Confusion adds the argmax confusion counts of one image to tp, fp and fn
// (each at least C long): for every pixel whose label y is not ignored and
// is in [0, C), with k the first class of largest logit, tp[y]++ when k ==
// y, else fp[k]++ and fn[y]++; other pixels are skipped. A NaN logit never
// wins the argmax unless it is in class 0. x holds the image's C planes of
// S pixels, labels its S labels; the shape is checked as for the softmax
// primitives, and shorter counts are an error.
func Confusion[L Label](x []float32, S, C int, labels []L, ignore int32, useIgnore bool, tp, fp, fn []int64) error {
	const name = "Confusion"
	if err := checkImage(name, C, S, len(x), 0, S, len(labels)); err != nil {
		return err
	}
	if len(tp) < C || len(fp) < C || len(fn) < C {
		return argErr(name, "tp, fp, fn have %d, %d, %d elements, want at least C = %d each", len(tp), len(fp), len(fn), C)
	}
	t := tierFor(C)
	x, labels = x[:C*S], labels[:S]
	tp, fp, fn = tp[:C], fp[:C], fn[:C]
	bp := BlockPixels(C)
	for lo := 0; lo < S; lo += bp {
		hi := min(lo+bp, S)
		switch l := any(labels).(type) {
		case []uint8:
			t.confusionU8(x, S, C, lo, hi, l, ignore, useIgnore, tp, fp, fn)
		case []int32:
			t.confusionI32(x, S, C, lo, hi, l, ignore, useIgnore, tp, fp, fn)
		default:
			confusionGeneric(x, S, C, lo, hi, labels, ignore, useIgnore, tp, fp, fn)
		}
	}
	return nil
}

// BinaryCounts are the confusion counts of a thresholded binary prediction.
type BinaryCounts struct{ TP, FP, FN int64 }

// ConfusionBinary adds to n the confusion counts of logits x against targets
// y (same length): an element is predicted positive when x > thr (a logit:
// thr = log(t/(1-t)) thresholds the sigmoid at t, and 0 means
// sigmoid(x) > 0.5) and is a positive target when y >= 0.5. NaN logits
// predict negative. A y shorter than x, or a nil n, is an error.
func ConfusionBinary(x, y []float32, thr float32, n *BinaryCounts) error {
	const fn = "ConfusionBinary"
	if n == nil {
		return argErr(fn, "nil BinaryCounts")
	}
	if err := checkLen(fn, "y", len(y), len(x)); err != nil {
		return err
	}
	t := active.Load()
	y = y[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		t.confusionBin(x[lo:hi], y[lo:hi], thr, n)
	}
	return nil
}

// overlaps reports whether the memory of a and b (both non-empty) overlaps.
func overlaps(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}
