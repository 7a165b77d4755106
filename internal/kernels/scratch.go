package kernels

// ScratchLen returns the length of SoftmaxParams.Scratch and
// SoftmaxCoef.Scratch with which every tier runs its own softmax kernels for
// C classes: a per-class table of 8 floats, 64-byte aligned vectors of
// e_c and per-class lane accumulators (80*C floats, with 16 to align them)
// and the statistics' output (4*C+4). With less (but at least 2*C, all the
// generic tier needs), the amd64 tiers fall back to the generic kernels; the
// NEON tier needs 4*C floats and recomputes exp with less.
func ScratchLen(C int) int { return 8*C + 16 + 80*C + 4*C + 4 }
