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
package loss
