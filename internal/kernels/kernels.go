// Package kernels is the primitive set of segloss: the few streaming passes
// every loss and metric is composed of, each in a plain-Go generic version
// that is the specification, bound at init to the fastest implementation the
// CPU runs.
//
// Data layout (docs/design.md, "Data layout" and "Blocks and chunks"):
// logits are N x C x spatial float32, and a kernel call sees one plane
// (sigmoid primitives, at most BlockSize pixels) or the C planes of one
// image (softmax and confusion primitives, at most BlockPixels(C) pixels).
// Block primitives return float32 partial sums; the plane and range drivers
// (SigmoidPlane, SoftmaxImage, SoftmaxRange) combine the blocks in float64
// in block order, so a result never depends on how the blocks were
// scheduled. A block whose float32 CE, focal, BCE or
// sigmoid focal sum is not finite (finite logits near math.MaxFloat32
// overflow it) has that sum computed again in float64 (wide.go), so the
// drivers' sums are right for every finite input. The fused drivers
// (SoftmaxFusedRange, SigmoidFused) run a statistics pass and a gradient
// pass in one read of the logits, for losses whose terms are all
// pixelwise.
//
// Nothing in this package allocates, and nothing modifies its inputs.
//
// The package is internal: its block-level types and buffers are the
// plumbing of the loss and metrics packages. Users choose the tier and call
// the elementwise primitives through the public package kernels (the
// repository's kernels/), which forwards to this one.
package kernels

// BlockSize is the number of pixels one block primitive call processes at
// most. Partial sums inside a block are float32; blocks are combined in
// float64 in block order.
const BlockSize = 1024

// BlockLogits bounds the logits one assembly call of the softmax and
// confusion drivers reads. An assembly call cannot be preempted, so its work
// is bounded by logits, not pixels: no call holds the scheduler (a garbage
// collection's stop-the-world, a ticker) for more than some tens of
// microseconds.
const BlockLogits = 1 << 16

// MaxAsmClasses is the largest C the assembly tiers run the softmax and
// confusion primitives for: their smallest block, 16 pixels (a vector),
// already reads BlockLogits logits, and each call also reduces per-class
// lane accumulators, O(C) work whatever its pixel count. Above it, every
// tier runs the generic (pure Go, preemptible) kernels.
const MaxAsmClasses = BlockLogits / 16

// BlockPixels returns the pixels per block of the softmax and confusion
// drivers for C classes: BlockSize up to C = 64, then BlockLogits/C rounded
// down to a multiple of 16 (whole vectors on every tier), down to 16 at C =
// MaxAsmClasses; above that, where the generic kernels run, BlockSize
// again. It depends on C alone, so a shape's blocks, and with them its
// float32 partial sums, are the same for any worker count. C < 1 gives
// BlockSize.
func BlockPixels(C int) int {
	if C <= BlockLogits/BlockSize || C > MaxAsmClasses {
		return BlockSize
	}
	return (BlockLogits / C) &^ 15
}

// tierFor returns the tier that runs the softmax and confusion primitives
// for C classes: the active one, or generic above MaxAsmClasses.
func tierFor(C int) *tier {
	if C > MaxAsmClasses {
		return genericTier
	}
	return active.Load()
}

// Flags select the optional sums of a statistics pass.
type Flags uint32

const (
	// NeedCE asks the softmax statistics for the cross-entropy sum and the
	// class-weight sum (or the sigmoid statistics for the BCE sum).
	NeedCE Flags = 1 << iota
	// NeedFocal asks for the focal-loss sum.
	NeedFocal
	// NeedRegion asks for the per-class sums of p, p*y and y.
	NeedRegion
	// NeedSquared asks for the sums of p*p (and y*y for sigmoid targets),
	// used by squared-denominator region losses.
	NeedSquared
	// NeedAbsDiff asks the sigmoid statistics for the sum of |p - y|
	// (MONAI's soft_label formulation of the region terms).
	NeedAbsDiff
)

// SigmoidParams configures the sigmoid statistics pass over one plane.
type SigmoidParams struct {
	Need Flags
	// PosWeight multiplies the positive part of the BCE (torch pos_weight).
	PosWeight float32
	// FocalAlpha weights positives by alpha and negatives by 1-alpha
	// (torchvision sigmoid_focal_loss); a negative value disables it.
	FocalAlpha float32
	// FocalGamma is the focusing exponent, >= 0.
	FocalGamma float32
	// Probs says x holds probabilities p in [0, 1], not logits: the sums
	// take p = x, and the BCE is torch's binary_cross_entropy, -(pw*y*max(log
	// p, -100) + (1-y)*max(log(1-p), -100)). The focal sum is not defined
	// for probabilities (NeedFocal with Probs is an error).
	Probs bool
}

// SigmoidSums are the sums of one sigmoid statistics pass, with p =
// sigmoid(x): P = sum p, PY = sum p*y, Y = sum y, PP = sum p*p, YY = sum
// y*y, BCE = sum of binary cross entropy with logits (with PosWeight), Focal
// = sum of the sigmoid focal loss. Sums that were not asked for are zero.
//
// AD = sum |p - y| (NeedAbsDiff); with weights, every sum weighs its
// element's term by w.
//
// Bits is not a sum: it is the largest bit pattern, as an unsigned
// integer, of the targets y and, with Probs, of the inputs x, whatever
// Need asks for. It is at most math.Float32bits(1) exactly when every one
// is in [+0, 1] (a negative value, -0 included, and NaN have larger bits),
// so that the statistics pass validates its targets on the way. The
// drivers keep the largest of their blocks' Bits and out's.
type SigmoidSums[T float32 | float64] struct {
	P, PY, Y, PP, YY, BCE, Focal, AD T
	Bits                             uint32
}

// BitsOK reports whether Bits (of SigmoidSums or of a gradient pass) says
// that every value it saw is in [+0, 1].
func BitsOK(bits uint32) bool { return bits <= oneBits }

// oneBits is math.Float32bits(1).
const oneBits = 0x3f800000

// SigmoidCoef holds the coefficients of the sigmoid gradient pass for one
// plane. The gradient written for element i is
//
//	dx = p(1-p) * (A*y + B + E*p + D*sgn(p-y))          region terms
//	   + BCEScale * ((1-y)*p - PosWeight*y*(1-p))       BCE
//	   + FocalScale * d(sigmoid focal)/dx                focal
//
// With Probs (x holds probabilities p, q = 1-p) the gradient is d/dp:
//
//	dp = A*y + B + E*p + D*sgn(p-y)                     region terms
//	   + BCEScale * ((1-y)*p - PosWeight*y*q) / max(p*q, 1e-12)   BCE (torch's)
//
// and FocalScale must be 0.
type SigmoidCoef struct {
	A, B, E    float32
	D          float32 // coefficient of sgn(p - y) (the soft-label region terms)
	BCEScale   float32
	PosWeight  float32
	FocalScale float32
	FocalAlpha float32
	FocalGamma float32
	Probs      bool
}

// SoftmaxParams configures the softmax statistics pass over the C planes of
// one image. Labels equal to Ignore (when UseIgnore) or outside [0, C) are
// skipped entirely, on every tier (the loss package rejects the latter
// before any kernel runs).
type SoftmaxParams struct {
	C         int
	Need      Flags
	UseIgnore bool
	Ignore    int32
	// CEWeight holds the class weights of the cross entropy (length C) or
	// is nil for weight 1.
	CEWeight []float32
	// Smoothing is the label smoothing epsilon of the cross entropy.
	Smoothing float32
	// Alpha holds the per-class focal alpha (length C) or is nil for 1.
	Alpha []float32
	// Gamma is the focal exponent.
	Gamma float32
	// Scratch is at least C floats the generic tier may use as workspace.
	Scratch []float32
	// PixelWeight holds a weight per pixel of the image (at least S floats,
	// indexed like the labels) or is nil for weight 1: pixel i adds w_i*p_c
	// to P, w_i*p_c^2 to PP, w_i*p_y to PY and w_i to Count, and w_i times
	// its CE, w_y and focal terms to CE, W and Focal (Valid stays a count).
	// With weights the cross entropy takes one log per pixel (no product
	// mode), so weights of 1 give the unweighted sums within rounding, not
	// bit for bit.
	PixelWeight []float32
	// Probs, when not nil and Need has NeedRegion, receives the softmax of
	// every pixel the pass takes: Probs[c*S+i] = p_c of pixel i (C planes
	// of S, like x; 0 for a skipped pixel), the input of a gradient pass
	// with SoftmaxCoef.FromProbs, which then needs no exponential. It must
	// not overlap x.
	Probs []float32
}

// SoftmaxSums are the sums of one softmax statistics pass. Per class c (each
// slice has length C): P[c] = sum p_c, PY[c] = sum of p_c over pixels
// labelled c, Count[c] = number of pixels labelled c, PP[c] = sum p_c^2.
// Per image: CE = sum over pixels of (1-eps)*w_y*(-log p_y) + eps/C * sum_k
// w_k*(-log p_k); W = sum of w_y; Focal = sum of alpha_y*(1-p_y)^gamma*(-log
// p_y); Valid = number of non-ignored pixels. With SoftmaxParams.PixelWeight
// every sum but Valid weighs pixel i by w_i.
type SoftmaxSums[T float32 | float64] struct {
	P, PY, Count, PP    []T
	CE, W, Focal, Valid T
}

// SoftmaxCoef holds the coefficients of the softmax gradient pass for one
// image. With p the softmax of a pixel whose label y is not ignored, the
// derivative of the loss with respect to p_c from the region terms is g_c =
// A[c]*[y=c] + B[c] + E[c]*p_c (A, B, E nil when there is no region term),
// and the gradient written is
//
//	dx_c = p_c*(g_c - sum_k p_k g_k) + CEScale*d(CE)/dx_c + FocalScale*d(focal)/dx_c
//
// with CE and focal as in SoftmaxSums. Ignored pixels get 0.
type SoftmaxCoef struct {
	C         int
	UseIgnore bool
	Ignore    int32
	A, B, E   []float32

	CEScale   float32
	CEWeight  []float32
	Smoothing float32

	FocalScale float32
	Alpha      []float32
	Gamma      float32

	// Scratch is at least 2*C floats the generic tier may use.
	Scratch []float32
	// PixelWeight holds a weight per pixel (at least S floats, indexed like
	// the labels) or is nil: pixel i's gradient is w_i times the above.
	PixelWeight []float32
	// FromProbs says that x holds the probabilities a statistics pass stored
	// (SoftmaxParams.Probs), not the logits: the gradient written is that
	// of the logits they are the softmax of, bit for bit, without an
	// exponential; dst may be x (the gradient replaces the probabilities
	// in place). The focal term's log p_y is then log(p_y), not the
	// logits' (which stays finite where p_y underflows): a loss with a
	// focal term recomputes the softmax instead.
	FromProbs bool
}
