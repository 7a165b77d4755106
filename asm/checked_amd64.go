// Checked entry points of the generated amd64 kernels: hand-written, not
// generated (asm/doc.go). Each exported function checks its slices
// against its counts (check.go) and that the CPU runs its tier, and returns
// an error, having done nothing, instead of calling the unexported kernel.

//go:build !purego

package asm

// ExpAVX2 runs expAVX2 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX2.
func ExpAVX2(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("ExpAVX2")
	}
	if !hasAVX2 {
		return cpuErr("ExpAVX2")
	}
	expAVX2(dst, x)
	return nil
}

// LogAVX2 runs logAVX2 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX2.
func LogAVX2(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("LogAVX2")
	}
	if !hasAVX2 {
		return cpuErr("LogAVX2")
	}
	logAVX2(dst, x)
	return nil
}

// SigmoidAVX2 runs sigmoidAVX2 after its checks: it returns an error
// wrapping ErrArg, having done nothing, when x is shorter than dst.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SigmoidAVX2(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("SigmoidAVX2")
	}
	if !hasAVX2 {
		return cpuErr("SigmoidAVX2")
	}
	sigmoidAVX2(dst, x)
	return nil
}

// ExpAVX512 runs expAVX512 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX-512.
func ExpAVX512(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("ExpAVX512")
	}
	if !hasAVX512 {
		return cpuErr("ExpAVX512")
	}
	expAVX512(dst, x)
	return nil
}

// LogAVX512 runs logAVX512 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX-512.
func LogAVX512(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("LogAVX512")
	}
	if !hasAVX512 {
		return cpuErr("LogAVX512")
	}
	logAVX512(dst, x)
	return nil
}

// SigmoidAVX512 runs sigmoidAVX512 after its checks: it returns an error
// wrapping ErrArg, having done nothing, when x is shorter than dst.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SigmoidAVX512(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("SigmoidAVX512")
	}
	if !hasAVX512 {
		return cpuErr("SigmoidAVX512")
	}
	sigmoidAVX512(dst, x)
	return nil
}

// SigmoidStatsAVX2 runs sigmoidStatsAVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 8. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsAVX2(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidStatsAVX2")
	}
	return sigmoidStatsAVX2(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradAVX2 runs sigmoidGradAVX2 after its checks: it returns an error
// wrapping ErrArg, having done nothing, when y or dst is shorter than x.
// Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradAVX2(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidGradAVX2")
	}
	return sigmoidGradAVX2(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedAVX2 runs sigmoidFusedAVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or dst is shorter than
// x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedAVX2(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidFusedAVX2")
	}
	return sigmoidFusedAVX2(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsAVX512 runs sigmoidStatsAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 8. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsAVX512(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidStatsAVX512")
	}
	return sigmoidStatsAVX512(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradAVX512 runs sigmoidGradAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or dst is shorter than
// x. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradAVX512(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidGradAVX512")
	}
	return sigmoidGradAVX512(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedAVX512 runs sigmoidFusedAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or dst is shorter than
// x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedAVX512(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidFusedAVX512")
	}
	return sigmoidFusedAVX512(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsWAVX2 runs sigmoidStatsWAVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or w is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsWAVX2(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidStatsWAVX2")
	}
	return sigmoidStatsWAVX2(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradWAVX2 runs sigmoidGradWAVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradWAVX2(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidGradWAVX2")
	}
	return sigmoidGradWAVX2(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedWAVX2 runs sigmoidFusedWAVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedWAVX2(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidFusedWAVX2")
	}
	return sigmoidFusedWAVX2(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsWAVX512 runs sigmoidStatsWAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or w is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsWAVX512(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidStatsWAVX512")
	}
	return sigmoidStatsWAVX512(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradWAVX512 runs sigmoidGradWAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradWAVX512(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidGradWAVX512")
	}
	return sigmoidGradWAVX512(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedWAVX512 runs sigmoidFusedWAVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedWAVX512(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidFusedWAVX512")
	}
	return sigmoidFusedWAVX512(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsPAVX2 runs sigmoidStatsPAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPAVX2(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidStatsPAVX2")
	}
	return sigmoidStatsPAVX2(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPAVX2 runs sigmoidGradPAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPAVX2(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidGradPAVX2")
	}
	return sigmoidGradPAVX2(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedPAVX2 runs sigmoidFusedPAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedPAVX2(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedPAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidFusedPAVX2")
	}
	return sigmoidFusedPAVX2(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsPWAVX2 runs sigmoidStatsPWAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPWAVX2(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidStatsPWAVX2")
	}
	return sigmoidStatsPWAVX2(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPWAVX2 runs sigmoidGradPWAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPWAVX2(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidGradPWAVX2")
	}
	return sigmoidGradPWAVX2(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedPWAVX2 runs sigmoidFusedPWAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX2.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedPWAVX2(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedPWAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SigmoidFusedPWAVX2")
	}
	return sigmoidFusedPWAVX2(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsPAVX512 runs sigmoidStatsPAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPAVX512(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidStatsPAVX512")
	}
	return sigmoidStatsPAVX512(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPAVX512 runs sigmoidGradPAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPAVX512(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidGradPAVX512")
	}
	return sigmoidGradPAVX512(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedPAVX512 runs sigmoidFusedPAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedPAVX512(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedPAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidFusedPAVX512")
	}
	return sigmoidFusedPAVX512(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SigmoidStatsPWAVX512 runs sigmoidStatsPWAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w is shorter than x
// or out than 8. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPWAVX512(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidStatsPWAVX512")
	}
	return sigmoidStatsPWAVX512(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPWAVX512 runs sigmoidGradPWAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPWAVX512(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidGradPWAVX512")
	}
	return sigmoidGradPWAVX512(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidFusedPWAVX512 runs sigmoidFusedPWAVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x, or out than 2. Otherwise it returns ErrCPU on a CPU without AVX-512.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidFusedPWAVX512(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int, sflags uint64, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x) && len(out) >= 2) {
		return 0, argErr("SigmoidFusedPWAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SigmoidFusedPWAVX512")
	}
	return sigmoidFusedPWAVX512(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode, sflags, out), nil
}

// SoftmaxStatsU8AVX2 runs softmaxStatsU8AVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, out are
// shorter than 8*C, 80*C, 4*C+4.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// With flags&16384 (the probabilities stored into dst) a dst shorter than
// C*S, or with flags&2048 (non-temporal stores) S not a multiple of 16 or
// dst[lo:] not 64-byte aligned, is ErrArg too.
// Otherwise it returns ErrCPU on a CPU
// without AVX2.
func SoftmaxStatsU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst)) {
		return argErr("SoftmaxStatsU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxStatsU8AVX2")
	}
	softmaxStatsU8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	return nil
}

// SoftmaxGradU8AVX2 runs softmaxGradU8AVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, dst are
// shorter than 8*C, 32*C, C*S, or flags ask for non-temporal stores (2048)
// and S is not a multiple of 16 or dst[lo:] is not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxGradU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradU8AVX2")
	}
	softmaxGradU8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxGradFocalU8AVX2 runs softmaxGradFocalU8AVX2 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst are shorter than 8*C, 32*C, C*S, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxGradFocalU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradFocalU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradFocalU8AVX2")
	}
	softmaxGradFocalU8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxFusedU8AVX2 runs softmaxFusedU8AVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, dst, out are
// shorter than 8*C, 32*C, C*S, 4, or flags ask for non-temporal stores
// (2048) and S is not a multiple of 16 or dst[lo:] is not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxFusedU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedU8AVX2")
	}
	softmaxFusedU8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxFusedFocalU8AVX2 runs softmaxFusedFocalU8AVX2 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxFusedFocalU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedFocalU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedFocalU8AVX2")
	}
	softmaxFusedFocalU8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxStatsI32AVX2 runs softmaxStatsI32AVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of
// C planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0,
// C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, out are
// shorter than 8*C, 80*C, 4*C+4.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// With flags&16384 (the probabilities stored into dst) a dst shorter than
// C*S, or with flags&2048 (non-temporal stores) S not a multiple of 16 or
// dst[lo:] not 64-byte aligned, is ErrArg too.
// Otherwise it returns ErrCPU on a CPU
// without AVX2.
func SoftmaxStatsI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst)) {
		return argErr("SoftmaxStatsI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxStatsI32AVX2")
	}
	softmaxStatsI32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	return nil
}

// SoftmaxGradI32AVX2 runs softmaxGradI32AVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, dst are
// shorter than 8*C, 32*C, C*S, or flags ask for non-temporal stores (2048)
// and S is not a multiple of 16 or dst[lo:] is not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxGradI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradI32AVX2")
	}
	softmaxGradI32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxGradFocalI32AVX2 runs softmaxGradFocalI32AVX2 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst are shorter than 8*C, 32*C, C*S, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxGradFocalI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradFocalI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradFocalI32AVX2")
	}
	softmaxGradFocalI32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxFusedI32AVX2 runs softmaxFusedI32AVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of
// C planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0,
// C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, dst, out
// are shorter than 8*C, 32*C, C*S, 4, or flags ask for non-temporal stores
// (2048) and S is not a multiple of 16 or dst[lo:] is not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxFusedI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedI32AVX2")
	}
	softmaxFusedI32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxFusedFocalI32AVX2 runs softmaxFusedFocalI32AVX2 after its checks:
// it returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxFusedFocalI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedFocalI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedFocalI32AVX2")
	}
	softmaxFusedFocalI32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxStatsU8AVX512 runs softmaxStatsU8AVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, out are shorter than 8*C, 80*C, 4*C+4. Otherwise it returns
// ErrCPU on a CPU without AVX-512.
func SoftmaxStatsU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst)) {
		return argErr("SoftmaxStatsU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxStatsU8AVX512")
	}
	softmaxStatsU8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	return nil
}

// SoftmaxGradU8AVX512 runs softmaxGradU8AVX512 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of
// C planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0,
// C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tab, scr, dst are
// shorter than 8*C, 32*C, C*S, or flags ask for non-temporal stores (2048)
// and S is not a multiple of 16 or dst[lo:] is not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxGradU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradU8AVX512")
	}
	softmaxGradU8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxGradFocalU8AVX512 runs softmaxGradFocalU8AVX512 after its checks:
// it returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst are shorter than 8*C, 32*C, C*S, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxGradFocalU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradFocalU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradFocalU8AVX512")
	}
	softmaxGradFocalU8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxFusedU8AVX512 runs softmaxFusedU8AVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxFusedU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedU8AVX512")
	}
	softmaxFusedU8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxFusedFocalU8AVX512 runs softmaxFusedFocalU8AVX512 after its checks:
// it returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxFusedFocalU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedFocalU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedFocalU8AVX512")
	}
	softmaxFusedFocalU8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxStatsI32AVX512 runs softmaxStatsI32AVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, out are shorter than 8*C, 80*C, 4*C+4. Otherwise it returns
// ErrCPU on a CPU without AVX-512.
func SoftmaxStatsI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst)) {
		return argErr("SoftmaxStatsI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxStatsI32AVX512")
	}
	softmaxStatsI32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	return nil
}

// SoftmaxGradI32AVX512 runs softmaxGradI32AVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst are shorter than 8*C, 32*C, C*S, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxGradI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradI32AVX512")
	}
	softmaxGradI32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxGradFocalI32AVX512 runs softmaxGradFocalI32AVX512 after its checks:
// it returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst are shorter than 8*C, 32*C, C*S, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxGradFocalI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxGradFocalI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradFocalI32AVX512")
	}
	softmaxGradFocalI32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxFusedI32AVX512 runs softmaxFusedI32AVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and lab (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxFusedI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedI32AVX512")
	}
	softmaxFusedI32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// SoftmaxFusedFocalI32AVX512 runs softmaxFusedFocalI32AVX512 after its
// checks: it returns an error wrapping ErrArg, having done nothing, when the
// pixels [lo, hi) of C planes of S pixels are not within x and lab (1 <= C
// <= 2^31-1, S >= 0, C*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or
// tab, scr, dst, out are shorter than 8*C, 32*C, C*S, 4, or flags ask for
// non-temporal stores (2048) and S is not a multiple of 16 or dst[lo:] is
// not 64-byte aligned.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
// Otherwise it returns ErrCPU on a CPU without AVX-512.
func SoftmaxFusedFocalI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi)) {
		return argErr("SoftmaxFusedFocalI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedFocalI32AVX512")
	}
	softmaxFusedFocalI32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	return nil
}

// ConfusionU8AVX2 runs confusionU8AVX2 after its checks: it returns an error
// wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C planes
// of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S <=
// len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is shorter
// than C. Otherwise it returns ErrCPU on a CPU without AVX2.
func ConfusionU8AVX2(x []float32, S int, C int, lo int, hi int, lab []uint8, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && countsOK(C, tp, fp, fn)) {
		return argErr("ConfusionU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("ConfusionU8AVX2")
	}
	confusionU8AVX2(x, S, C, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionI32AVX2 runs confusionI32AVX2 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is shorter
// than C. Otherwise it returns ErrCPU on a CPU without AVX2.
func ConfusionI32AVX2(x []float32, S int, C int, lo int, hi int, lab []int32, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && countsOK(C, tp, fp, fn)) {
		return argErr("ConfusionI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("ConfusionI32AVX2")
	}
	confusionI32AVX2(x, S, C, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionBinaryAVX2 runs confusionBinaryAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 3. Otherwise it returns ErrCPU on a CPU without AVX2.
func ConfusionBinaryAVX2(x []float32, y []float32, thr float32, out []int64) error {
	if !(len(y) >= len(x) && len(out) >= 3) {
		return argErr("ConfusionBinaryAVX2")
	}
	if !hasAVX2 {
		return cpuErr("ConfusionBinaryAVX2")
	}
	confusionBinaryAVX2(x, y, thr, out)
	return nil
}

// ConfusionU8AVX512 runs confusionU8AVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is shorter
// than C. Otherwise it returns ErrCPU on a CPU without AVX-512.
func ConfusionU8AVX512(x []float32, S int, C int, lo int, hi int, lab []uint8, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && countsOK(C, tp, fp, fn)) {
		return argErr("ConfusionU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("ConfusionU8AVX512")
	}
	confusionU8AVX512(x, S, C, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionI32AVX512 runs confusionI32AVX512 after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of C
// planes of S pixels are not within x and lab (1 <= C <= 2^31-1, S >= 0, C*S
// <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is shorter
// than C. Otherwise it returns ErrCPU on a CPU without AVX-512.
func ConfusionI32AVX512(x []float32, S int, C int, lo int, hi int, lab []int32, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && countsOK(C, tp, fp, fn)) {
		return argErr("ConfusionI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("ConfusionI32AVX512")
	}
	confusionI32AVX512(x, S, C, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionBinaryAVX512 runs confusionBinaryAVX512 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when y is shorter
// than x or out than 3. Otherwise it returns ErrCPU on a CPU without
// AVX-512.
func ConfusionBinaryAVX512(x []float32, y []float32, thr float32, out []int64) error {
	if !(len(y) >= len(x) && len(out) >= 3) {
		return argErr("ConfusionBinaryAVX512")
	}
	if !hasAVX512 {
		return cpuErr("ConfusionBinaryAVX512")
	}
	confusionBinaryAVX512(x, y, thr, out)
	return nil
}

// CopyAVX2 runs copyAVX2 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when src is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX2.
func CopyAVX2(dst []float32, src []float32) error {
	if !(len(src) >= len(dst)) {
		return argErr("CopyAVX2")
	}
	if !hasAVX2 {
		return cpuErr("CopyAVX2")
	}
	copyAVX2(dst, src)
	return nil
}

// SumAVX2 returns sumAVX2(x), the float32 sum of x in its kernel's
// order of additions (it takes no count: every x is valid), or 0 on
// a CPU without the tier.
func SumAVX2(x []float32) float32 {
	if !hasAVX2 {
		return 0
	}
	return sumAVX2(x)
}

// FenceAVX512 runs fenceAVX512, an SFENCE (any amd64 CPU runs it): the
// softmax gradient and fused kernels store non-temporally with flags&2048
// and leave this fence to their caller, to run once after the last block
// it writes and before another goroutine reads them.
func FenceAVX512() { fenceAVX512() }

// CopyAVX512 runs copyAVX512 after its checks: it returns an error wrapping
// ErrArg, having done nothing, when src is shorter than dst. Otherwise it
// returns ErrCPU on a CPU without AVX-512.
func CopyAVX512(dst []float32, src []float32) error {
	if !(len(src) >= len(dst)) {
		return argErr("CopyAVX512")
	}
	if !hasAVX512 {
		return cpuErr("CopyAVX512")
	}
	copyAVX512(dst, src)
	return nil
}

// SumAVX512 returns sumAVX512(x), the float32 sum of x in its kernel's
// order of additions (it takes no count: every x is valid), or 0 on
// a CPU without the tier.
func SumAVX512(x []float32) float32 {
	if !hasAVX512 {
		return 0
	}
	return sumAVX512(x)
}

// EDTScanAVX2 runs edtScanAVX2 after its checks (internal/kernels.EDTScan
// says what it computes; lanes a multiple of 8, at most 64): it returns an error
// wrapping ErrArg, having done nothing, when the tile does not fit its
// slices. Otherwise it returns ErrCPU on a CPU without AVX2.
func EDTScanAVX2(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) (uint64, error) {
	if !edtScanOK(dst, src, sq, pitch, lanes, rows, 8) {
		return 0, argErr("EDTScanAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("EDTScanAVX2")
	}
	return edtScanAVX2(dst, src, sq, pitch, lanes, rows, sqrt), nil
}

// NearScan1AVX2 runs nearScan1AVX2 after its checks
// (internal/kernels.NearScan1 says what it computes): it returns an error
// wrapping ErrArg, having done nothing, when a slice is too short for the
// row, its padding and its steps. Otherwise it returns ErrCPU on a CPU
// without AVX2.
func NearScan1AVX2(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f1), len(o1), len(h1)) {
		return argErr("NearScan1AVX2")
	}
	if !hasAVX2 {
		return cpuErr("NearScan1AVX2")
	}
	nearScan1AVX2(o1, h1, f1, g1, dsq, pad, n, lim1)
	return nil
}

// NearScan2AVX2 runs nearScan2AVX2 after its checks
// (internal/kernels.NearScan2), as NearScan1AVX2.
func NearScan2AVX2(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f2), len(o2), len(h1), len(lim2)) {
		return argErr("NearScan2AVX2")
	}
	if !hasAVX2 {
		return cpuErr("NearScan2AVX2")
	}
	nearScan2AVX2(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
	return nil
}
