// Package loss is the public API of segloss: image-segmentation losses with
// their analytic gradients, computed by the SIMD primitives of package
// kernels.
//
// Logits are float32 in NCHW layout: N images, C classes (or channels), S
// pixels per plane (H*W, or D*H*W for volumes), described by a Shape.
// Softmax losses (Multiclass) take one class index per pixel (Labels, uint8
// or int32); sigmoid losses (Binary) take float targets in [0, 1] of the
// logits' shape.
//
// A loss is a weighted sum of terms: CrossEntropy, Focal and Region (Dice,
// IoU, Tversky, focal Tversky) for Multiclass; BCE, SigmoidFocal and Region
// for Binary. Whatever the terms, a call makes one statistics pass over the
// logits and, for Backward, one gradient pass that writes d(loss)/d(logits)
// with one store per element (DESIGN.md, "The fused two-pass scheme").
//
// Calls never modify their inputs, return an error value (never panic) on
// bad input, and allocate nothing once the Workspace has grown to the shape.
//
// Range: the value of Forward and Backward is finite and holds its
// accuracy for every finite input. Partial sums are float32; a block of
// pixels whose sums overflow (losses near math.MaxFloat32 per element,
// logits beyond about 1e35) is summed again in float64, a slower pass over
// that block only. Gradients and Pixelwise values are finite (Pixelwise's
// float32 can overflow to +Inf) while the logits of each pixel spread over
// at most math.MaxFloat32 (max - min <= 3.4e38: any |x| <= 1.7e38); beyond
// it, a pixel's Focal gradient, or its Pixelwise value under a zero class
// weight, can be NaN.
package loss
