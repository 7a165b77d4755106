// Checked entry points of the generated small-C fused softmax kernels
// (gen/amd64/softmax_small.go): hand-written, not generated, like
// checked_amd64.go.

//go:build !purego

package asm

// SmallC reports whether C has a small-C fused kernel
// (SoftmaxFusedSmallU8AVX2 and the others): 2 <= C <= 8.
func SmallC(C int) bool { return C >= 2 && C <= 8 }

// smallOK checks what the small-C fused kernels add to
// SoftmaxFusedU8AVX2's checks: C has a kernel, flags ask for no region
// terms and no per-pixel weights, and sflags for no focal sum (the small
// kernels have none of them; fs is not read either).
func smallOK(C int, flags, sflags uint64) bool {
	return SmallC(C) && flags&(bitRegion|bitPixW) == 0 && sflags&bitFocal == 0
}

// smallGradOK checks what the small-C gradient kernels add to
// SoftmaxGradU8AVX2's checks: C has a kernel and flags ask for no
// per-pixel weights (the small kernels have no focal term: fs is not read).
func smallGradOK(C int, flags uint64) bool {
	return SmallC(C) && flags&bitPixW == 0
}

// smallStatsOK checks what the small-C statistics kernels add to
// SoftmaxStatsU8AVX2's checks: C has a kernel, and flags ask for no focal
// sum and no per-pixel weights.
func smallStatsOK(C int, flags uint64) bool {
	return SmallC(C) && flags&(bitFocal|bitPixW) == 0
}

// SoftmaxFusedSmallU8AVX2 runs the small-C kernel of C (softmaxFusedC4U8AVX2
// for C = 4, ...), which gives SoftmaxFusedU8AVX2's results bit for bit,
// after SoftmaxFusedU8AVX2's checks: it also returns an error wrapping
// ErrArg, having done nothing, when C is outside [2, 8], flags have the
// region bit (4) or the per-pixel weights' (4096), or sflags the focal bit
// (2). Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxFusedSmallU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi) && smallOK(C, flags, sflags)) {
		return argErr("SoftmaxFusedSmallU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedSmallU8AVX2")
	}
	switch C { // direct calls: a func value of an ABI0 kernel adds a wrapper frame past the NOSPLIT limit
	case 2:
		softmaxFusedC2U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 3:
		softmaxFusedC3U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 4:
		softmaxFusedC4U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 5:
		softmaxFusedC5U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 6:
		softmaxFusedC6U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 7:
		softmaxFusedC7U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	default:
		softmaxFusedC8U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	}
	return nil
}

// SoftmaxFusedSmallI32AVX2 is SoftmaxFusedSmallU8AVX2 for int32 labels.
func SoftmaxFusedSmallI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi) && smallOK(C, flags, sflags)) {
		return argErr("SoftmaxFusedSmallI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxFusedSmallI32AVX2")
	}
	switch C { // direct calls: a func value of an ABI0 kernel adds a wrapper frame past the NOSPLIT limit
	case 2:
		softmaxFusedC2I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 3:
		softmaxFusedC3I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 4:
		softmaxFusedC4I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 5:
		softmaxFusedC5I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 6:
		softmaxFusedC6I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 7:
		softmaxFusedC7I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	default:
		softmaxFusedC8I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	}
	return nil
}

// SoftmaxFusedSmallU8AVX512 is SoftmaxFusedSmallU8AVX2 on the AVX-512
// kernels: ErrCPU on a CPU without AVX-512.
func SoftmaxFusedSmallU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi) && smallOK(C, flags, sflags)) {
		return argErr("SoftmaxFusedSmallU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedSmallU8AVX512")
	}
	switch C { // direct calls: a func value of an ABI0 kernel adds a wrapper frame past the NOSPLIT limit
	case 2:
		softmaxFusedC2U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 3:
		softmaxFusedC3U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 4:
		softmaxFusedC4U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 5:
		softmaxFusedC5U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 6:
		softmaxFusedC6U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 7:
		softmaxFusedC7U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	default:
		softmaxFusedC8U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	}
	return nil
}

// SoftmaxFusedSmallI32AVX512 is SoftmaxFusedSmallI32AVX2 on the AVX-512
// kernels: ErrCPU on a CPU without AVX-512.
func SoftmaxFusedSmallI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32, sflags uint64, eps1 float32, epsC float32, wsum float32, out []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && len(out) >= 4 && pixWOK(flags, pw, hi) && smallOK(C, flags, sflags)) {
		return argErr("SoftmaxFusedSmallI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxFusedSmallI32AVX512")
	}
	switch C { // direct calls: a func value of an ABI0 kernel adds a wrapper frame past the NOSPLIT limit
	case 2:
		softmaxFusedC2I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 3:
		softmaxFusedC3I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 4:
		softmaxFusedC4I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 5:
		softmaxFusedC5I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 6:
		softmaxFusedC6I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	case 7:
		softmaxFusedC7I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	default:
		softmaxFusedC8I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst, sflags, eps1, epsC, wsum, out)
	}
	return nil
}

// SoftmaxStatsSmallU8AVX2 runs the small-C statistics kernel of C
// (softmaxStatsC4U8AVX2 for C = 4, ...), which gives SoftmaxStatsU8AVX2's
// results bit for bit, after SoftmaxStatsU8AVX2's checks: it also returns
// an error wrapping ErrArg, having done nothing, when C is outside [2, 8]
// or flags have the focal bit (2) or the per-pixel weights' (4096).
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxStatsSmallU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst) && smallStatsOK(C, flags)) {
		return argErr("SoftmaxStatsSmallU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxStatsSmallU8AVX2")
	}
	switch C {
	case 2:
		softmaxStatsC2U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 3:
		softmaxStatsC3U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 4:
		softmaxStatsC4U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 5:
		softmaxStatsC5U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 6:
		softmaxStatsC6U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 7:
		softmaxStatsC7U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	default:
		softmaxStatsC8U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	}
	return nil
}

// SoftmaxStatsSmallU8AVX512 is SoftmaxStatsSmallU8AVX2 on the AVX-512 kernels:
// ErrCPU on a CPU without AVX-512.
func SoftmaxStatsSmallU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst) && smallStatsOK(C, flags)) {
		return argErr("SoftmaxStatsSmallU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxStatsSmallU8AVX512")
	}
	switch C {
	case 2:
		softmaxStatsC2U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 3:
		softmaxStatsC3U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 4:
		softmaxStatsC4U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 5:
		softmaxStatsC5U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 6:
		softmaxStatsC6U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 7:
		softmaxStatsC7U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	default:
		softmaxStatsC8U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	}
	return nil
}

// SoftmaxStatsSmallI32AVX2 is SoftmaxStatsSmallU8AVX2 for int32 labels.
func SoftmaxStatsSmallI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst) && smallStatsOK(C, flags)) {
		return argErr("SoftmaxStatsSmallI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxStatsSmallI32AVX2")
	}
	switch C {
	case 2:
		softmaxStatsC2I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 3:
		softmaxStatsC3I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 4:
		softmaxStatsC4I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 5:
		softmaxStatsC5I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 6:
		softmaxStatsC6I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 7:
		softmaxStatsC7I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	default:
		softmaxStatsC8I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	}
	return nil
}

// SoftmaxStatsSmallI32AVX512 is SoftmaxStatsSmallI32AVX2 on the AVX-512 kernels:
// ErrCPU on a CPU without AVX-512.
func SoftmaxStatsSmallI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, out []float32, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && statsOK(C, tab, scr, out) && pixWOK(flags, pw, hi) && probsOK(C, S, lo, flags, dst) && smallStatsOK(C, flags)) {
		return argErr("SoftmaxStatsSmallI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxStatsSmallI32AVX512")
	}
	switch C {
	case 2:
		softmaxStatsC2I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 3:
		softmaxStatsC3I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 4:
		softmaxStatsC4I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 5:
		softmaxStatsC5I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 6:
		softmaxStatsC6I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	case 7:
		softmaxStatsC7I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	default:
		softmaxStatsC8I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, eps1, epsC, wsum, gamma, gmode, out, dst)
	}
	return nil
}

// SoftmaxGradSmallU8AVX2 runs the small-C gradient kernel of C
// (softmaxGradC4U8AVX2 for C = 4, ...), which gives SoftmaxGradU8AVX2's
// results bit for bit (without the focal term: fs is not read), after
// SoftmaxGradU8AVX2's checks: it also returns an error wrapping ErrArg,
// having done nothing, when C is outside [2, 8] or flags have the per-pixel
// weights' bit (4096). Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftmaxGradSmallU8AVX2(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi) && smallGradOK(C, flags)) {
		return argErr("SoftmaxGradSmallU8AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradSmallU8AVX2")
	}
	switch C {
	case 2:
		softmaxGradC2U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 3:
		softmaxGradC3U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 4:
		softmaxGradC4U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 5:
		softmaxGradC5U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 6:
		softmaxGradC6U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 7:
		softmaxGradC7U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	default:
		softmaxGradC8U8AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	}
	return nil
}

// SoftmaxGradSmallU8AVX512 is SoftmaxGradSmallU8AVX2 on the AVX-512 kernels:
// ErrCPU on a CPU without AVX-512.
func SoftmaxGradSmallU8AVX512(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi) && smallGradOK(C, flags)) {
		return argErr("SoftmaxGradSmallU8AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradSmallU8AVX512")
	}
	switch C {
	case 2:
		softmaxGradC2U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 3:
		softmaxGradC3U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 4:
		softmaxGradC4U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 5:
		softmaxGradC5U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 6:
		softmaxGradC6U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 7:
		softmaxGradC7U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	default:
		softmaxGradC8U8AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	}
	return nil
}

// SoftmaxGradSmallI32AVX2 is SoftmaxGradSmallU8AVX2 for int32 labels.
func SoftmaxGradSmallI32AVX2(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi) && smallGradOK(C, flags)) {
		return argErr("SoftmaxGradSmallI32AVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftmaxGradSmallI32AVX2")
	}
	switch C {
	case 2:
		softmaxGradC2I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 3:
		softmaxGradC3I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 4:
		softmaxGradC4I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 5:
		softmaxGradC5I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 6:
		softmaxGradC6I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 7:
		softmaxGradC7I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	default:
		softmaxGradC8I32AVX2(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	}
	return nil
}

// SoftmaxGradSmallI32AVX512 is SoftmaxGradSmallI32AVX2 on the AVX-512 kernels:
// ErrCPU on a CPU without AVX-512.
func SoftmaxGradSmallI32AVX512(x []float32, S int, lo int, hi int, lab []int32, pw []float32, C int, ign int32, flags uint64, tab []float32, scr []float32, k1 float32, k2 float32, fs float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, C, lo, hi, len(lab)) && gradOK(C, S, lo, flags, tab, scr, dst) && pixWOK(flags, pw, hi) && smallGradOK(C, flags)) {
		return argErr("SoftmaxGradSmallI32AVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftmaxGradSmallI32AVX512")
	}
	switch C {
	case 2:
		softmaxGradC2I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 3:
		softmaxGradC3I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 4:
		softmaxGradC4I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 5:
		softmaxGradC5I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 6:
		softmaxGradC6I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	case 7:
		softmaxGradC7I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	default:
		softmaxGradC8I32AVX512(x, S, lo, hi, lab, pw, C, ign, flags, tab, scr, k1, k2, fs, gamma, gmode, g1mode, dst)
	}
	return nil
}
