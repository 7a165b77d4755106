// Package loss is the public API of segloss: image-segmentation losses with
// their analytic gradients, computed by the SIMD primitives of
// internal/kernels (package kernels chooses their instruction-set tier).
//
// "The chapter" in these docs is the reference the repository's README
// names: a textbook chapter on U-Net loss functions whose PyTorch classes
// (DiceLoss, MultiClassDiceLoss, CombinedLoss, FocalLoss) the losses
// reproduce, checked against them in the golden tests.
//
// Logits are float32 in NCHW layout: N images, C classes (or channels), S
// pixels per plane (H*W, or D*H*W for volumes), described by a Shape.
// Softmax losses (Multiclass) take one class index per pixel (Labels, uint8
// or int32); sigmoid losses (Binary) take float targets in [0, 1] of the
// logits' shape.
//
// A loss is a weighted sum of terms: CrossEntropy, Focal and Region (Dice,
// IoU, Tversky, focal Tversky) for Multiclass; BCE, SigmoidFocal and Region
// for Binary. A loss with a Region term makes one statistics pass over the
// logits and, for Backward, one gradient pass that writes d(loss)/d(logits)
// with one store per element; a loss of pixelwise terms only (CrossEntropy,
// Focal, BCE, SigmoidFocal) takes its Backward from one fused pass that
// writes the gradient and sums the value at once (docs/design.md,
// "Passes").
//
// ForwardWeighted and BackwardWeighted take a weight per pixel (Multiclass,
// N*S) or per element (Binary, N*C*S) into every term, through the same
// passes: U-Net's border-weighted cross entropy, masks (MONAI's
// MaskedDiceLoss), ignore regions for targets. Binary's Activation
// NoActivation takes probabilities instead of logits.
//
// # Contracts
//
// Bad input. Every function and method returns an error value, never
// panics, for any argument values: wrong shapes (ErrShape: N, C or S below
// 1, N*C*S overflowing, a NewShape of a spatial size below 1), wrong
// lengths (ErrLength), labels outside [0, C), targets outside [0, 1] or
// probability inputs outside [0, 1] (ErrLabel), negative, non-finite or
// out-of-scale weights, class or per-pixel (ErrWeight),
// options out of range, ignore indices that cannot match the labels and
// aliased buffers (ErrOption), a Workspace in use (ErrBusy), a gradient
// beyond float32 (ErrRange: Backward and Gradient return the value with it).
// A call that returns an error has written nothing: no gradient element, no Stats
// entry, no Pixelwise output, with two exceptions. Binary's targets (and
// NoActivation inputs) are checked by the passes as they run, so where the
// pass that finds one out of range is the one that writes the gradient (a
// Backward of BCE and SigmoidFocal terms only, the shard Gradient), the
// ErrLabel comes with every gradient element set to 0. Multiclass's labels
// are checked by its first pass, which writes grad in a Backward (the
// gradient of CrossEntropy and Focal terms, or the probabilities a Region
// term's gradient is made from): a Multiclass Backward that returns
// ErrLabel or ErrRange leaves every gradient element 0. The
// worker goroutines of a parallel pass only ever get work whose shapes,
// lengths and options were validated on the caller's goroutine.
//
// Aliasing. Inputs (logits, labels, targets, class and per-pixel weights)
// are never modified. An output (the gradient, Pixelwise's out) must not
// share memory with the logits, targets or weights, not even exactly (in
// place): the passes read their inputs again after writing. Any overlap is
// ErrOption.
//
// Copies. A Workspace is a handle: copying one (by value, into a growing
// slice) is safe and the copies share its buffers, its workers and its
// in-use flag; two calls on one workspace (or on copies of it) at the same
// time get ErrBusy for the second. Stats are plain values (copy them to
// keep a snapshot: their Data slice is shared by a copy, so use
// append([]float64(nil), st.Data...) for a deep copy). Loss values
// (Multiclass, Binary, the terms) are read, never modified, by a call: one
// loss may serve many goroutines at once, each with its own Workspace.
//
// Numerics. Values are within about 1e-6 relative of a float64 evaluation
// of the same float32 inputs; an entry of a Region term with a zero
// denominator scores a perfect 1 (see Region.SmoothDen); NaN logits or
// targets propagate to the value.
//
// Range. The value of Forward and Backward is finite and holds its
// accuracy for every finite input. Partial sums are float32; a block of
// pixels whose sums overflow (losses near math.MaxFloat32 per element,
// logits beyond about 1e35) is summed again in float64, a slower pass over
// that block only. Gradients and Pixelwise values are finite (Pixelwise's
// float32 can overflow to +Inf) while the logits of each pixel spread over
// at most math.MaxFloat32 (max - min <= 3.4e38: any |x| <= 1.7e38); beyond
// it, a pixel's Focal gradient, or its Pixelwise value under a zero class
// weight, can be NaN.
//
// A call allocates nothing once the Workspace has grown to the shape.
package loss
