// Checked entry points of the generated small-C fused softmax kernels
// (gen/amd64/softmax_small.go): hand-written, not generated, like
// checked_amd64.go.

//go:build !purego

package asm

// SmallC reports whether C has a small-C fused kernel
// (SoftmaxFusedSmallU8AVX2 and the others): 2 <= C <= 8.
func SmallC(C int) bool { return C >= 2 && C <= 8 }

// smallOK checks what the small-C kernels add to SoftmaxFusedU8AVX2's
// checks: C has a kernel, flags ask for no region terms and sflags for no
// focal sum (the small kernels have neither; fs is not read either).
func smallOK(C int, flags, sflags uint64) bool {
	return SmallC(C) && flags&bitRegion == 0 && sflags&bitFocal == 0
}

// SoftmaxFusedSmallU8AVX2 runs the small-C kernel of C (softmaxFusedC4U8AVX2
// for C = 4, ...), which gives SoftmaxFusedU8AVX2's results bit for bit,
// after SoftmaxFusedU8AVX2's checks: it also returns an error wrapping
// ErrArg, having done nothing, when C is outside [2, 8], flags have the
// region bit (4) or sflags the focal bit (2). Otherwise it returns ErrCPU
// on a CPU without AVX2.
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
