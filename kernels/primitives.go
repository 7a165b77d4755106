package kernels

// Exp writes exp(x[i]) into dst[i] for i < len(dst); x must be at least as
// long as dst.
func Exp(dst, x []float32) { active.Load().exp(dst, x[:len(dst)]) }

// Log writes the natural logarithm of x[i] into dst[i] for i < len(dst); x
// must be at least as long as dst.
func Log(dst, x []float32) { active.Load().log(dst, x[:len(dst)]) }

// Sigmoid writes 1/(1+exp(-x[i])) into dst[i] for i < len(dst); x must be
// at least as long as dst.
func Sigmoid(dst, x []float32) { active.Load().sigmoid(dst, x[:len(dst)]) }

// SigmoidBlock computes the float32 sums of one block: x and y have the same
// length, at most BlockSize.
func SigmoidBlock(x, y []float32, p *SigmoidParams, s *SigmoidSums[float32]) {
	active.Load().sigmoidStats(x, y[:len(x)], p, s)
}

// SigmoidPlane adds the sums of p = sigmoid(x) against targets y (same
// length) to out, block by block in float64; blk is the float32 block
// buffer.
func SigmoidPlane(x, y []float32, p *SigmoidParams, blk *SigmoidSums[float32], out *SigmoidSums[float64]) {
	t := active.Load()
	y = y[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		t.sigmoidStats(x[lo:hi], y[lo:hi], p, blk)
		b := blk
		out.P += float64(b.P)
		out.PY += float64(b.PY)
		out.Y += float64(b.Y)
		out.PP += float64(b.PP)
		out.YY += float64(b.YY)
		out.BCE += float64(b.BCE)
		out.Focal += float64(b.Focal)
	}
}

// SigmoidGrad writes the gradient of SigmoidCoef for every element of x
// (targets y and dst at least as long as x).
func SigmoidGrad(x, y []float32, c *SigmoidCoef, dst []float32) {
	t := active.Load()
	y, dst = y[:len(x)], dst[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		t.sigmoidGrad(x[lo:hi], y[lo:hi], c, dst[lo:hi])
	}
}

// SigmoidFused runs the statistics pass and the gradient pass of x against
// targets y (same length) at once, block by block: it writes the gradient
// of c into dst (at least as long as x), as SigmoidGrad does, and adds the
// BCE and Focal sums of p to out, as SigmoidPlane does (the same values bit
// for bit; the region sums are not computed). It is the single pass of a
// loss whose terms are all pixelwise. p and c describe the same loss: the
// same PosWeight, FocalAlpha and FocalGamma. blk is the float32 block
// buffer.
func SigmoidFused(x, y []float32, p *SigmoidParams, c *SigmoidCoef, blk *SigmoidSums[float32], out *SigmoidSums[float64], dst []float32) {
	t := active.Load()
	y, dst = y[:len(x)], dst[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		t.sigmoidFused(x[lo:hi], y[lo:hi], p, c, blk, dst[lo:hi])
		out.BCE += float64(blk.BCE)
		out.Focal += float64(blk.Focal)
	}
}

// SoftmaxBlock computes the float32 sums of pixels [lo, hi) of one image
// (hi-lo at most BlockSize, and at most BlockPixels(C) to bound the call): x holds the image's C planes of S pixels each,
// labels its S labels. s's slices have length p.C at least.
func SoftmaxBlock[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, s *SoftmaxSums[float32]) {
	t := tierFor(p.C)
	x = x[:p.C*S]
	labels = labels[:S]
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
// buffer (slices of length C).
func SoftmaxImage[L Label](x []float32, S int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) {
	SoftmaxRange(x, S, 0, S, labels, p, blk, out)
}

// SoftmaxRange adds the sums of pixels [lo, hi) of one image to out, block
// by block in float64, blocks starting at lo. blk is the float32 block
// buffer (slices of length C).
func SoftmaxRange[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, blk *SoftmaxSums[float32], out *SoftmaxSums[float64]) {
	C := p.C
	bp := BlockPixels(C)
	for lo := lo; lo < hi; lo += bp {
		hi := min(lo+bp, hi)
		SoftmaxBlock(x, S, lo, hi, labels, p, blk)
		for c := 0; c < C; c++ {
			out.P[c] += float64(blk.P[c])
			out.PY[c] += float64(blk.PY[c])
			out.Count[c] += float64(blk.Count[c])
			out.PP[c] += float64(blk.PP[c])
		}
		out.CE += float64(blk.CE)
		out.W += float64(blk.W)
		out.Focal += float64(blk.Focal)
		out.Valid += float64(blk.Valid)
	}
}

// SoftmaxGrad writes the gradient of SoftmaxCoef for every pixel of one
// image: x and dst hold C planes of S pixels, labels S labels.
func SoftmaxGrad[L Label](x []float32, S int, labels []L, c *SoftmaxCoef, dst []float32) {
	SoftmaxGradRange(x, S, 0, S, labels, c, dst)
}

// SoftmaxGradRange writes the gradient of SoftmaxCoef for pixels [lo, hi) of
// one image (x and dst hold its C planes of S pixels, labels its S labels),
// block by block from lo.
func SoftmaxGradRange[L Label](x []float32, S, lo, hi int, labels []L, c *SoftmaxCoef, dst []float32) {
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
}

// SoftmaxFusedRange runs the statistics pass and the gradient pass of
// pixels [lo, hi) of one image at once, block by block from lo: it writes
// the gradient of c into dst, as SoftmaxGradRange does, and adds the CE, W,
// Focal and Valid sums of p to out, as SoftmaxRange does (the same values
// bit for bit); the per-class sums (P, PY, Count, PP) are not computed. It
// is the single pass of a loss whose terms are all pixelwise, whose
// gradient coefficients are known before its statistics. p and c describe
// the same loss: the same C, ignored label, CE weights, smoothing, focal
// alpha and gamma (they may share their Scratch). blk is the float32 block
// buffer.
func SoftmaxFusedRange[L Label](x []float32, S, lo, hi int, labels []L, p *SoftmaxParams, c *SoftmaxCoef, blk *SoftmaxSums[float32], out *SoftmaxSums[float64], dst []float32) {
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
		out.CE += float64(blk.CE)
		out.W += float64(blk.W)
		out.Focal += float64(blk.Focal)
		out.Valid += float64(blk.Valid)
	}
}

// Confusion adds the argmax confusion counts of one image to tp, fp and fn
// (each of length C): for every pixel whose label y is not ignored, with k
// the first class of largest logit, tp[y]++ when k == y, else fp[k]++ and
// fn[y]++. A NaN logit never wins the argmax unless it is in class 0.
func Confusion[L Label](x []float32, S, C int, labels []L, ignore int32, useIgnore bool, tp, fp, fn []int64) {
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
}

// BinaryCounts are the confusion counts of a thresholded binary prediction.
type BinaryCounts struct{ TP, FP, FN int64 }

// ConfusionBinary adds to n the confusion counts of logits x against targets
// y (same length): an element is predicted positive when x > thr (a logit:
// thr = log(t/(1-t)) thresholds the sigmoid at t, and 0 means
// sigmoid(x) > 0.5) and is a positive target when y >= 0.5. NaN logits predict negative.
func ConfusionBinary(x, y []float32, thr float32, n *BinaryCounts) {
	t := active.Load()
	y = y[:len(x)]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		t.confusionBin(x[lo:hi], y[lo:hi], thr, n)
	}
}
