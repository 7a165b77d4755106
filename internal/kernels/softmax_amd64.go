//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/segloss/segloss/asm"
)

// Flag bits of the amd64 softmax kernels beyond Flags and those of
// asmflags.go.
const (
	asmRegion = 4    // the gradient has region terms (A, B, E)
	asmNT     = 2048 // gradient: non-temporal stores (dst aligned)
)

// ntBytes is the size of an image's gradient (C*S floats) from which the
// AVX-512 gradient kernels store it non-temporally: past the caches, a
// write that bypasses them saves the read for ownership of every line. The
// AVX2 kernels always store normally: their 32-byte non-temporal stores
// fill half a line each, interleaved over C planes, and measured about 2x
// slower on AMD Zen 3 (the fused CE pass of 8x4x512x512, old and new test
// binaries alternately: 29.5-29.9 ms against 12.8-16.4 ms) and no faster
// on an Intel AVX-512 machine.
const ntBytes = 4 << 20

// tabFloats is the size of one class's entry in the table of the softmax
// kernels: w, alpha, kappa, A, B, E, eps/C*w (the statistics' label
// smoothing with CE weights) and one unused float. In Scratch, the
// table (tabFloats*C) is followed by the kernels' 64-byte aligned scratch
// (e_c vectors and per-class lane accumulators, 80*C floats) and the
// statistics' output (4*C+4 floats).
const tabFloats = 8

// asmScratchLen is the length of Scratch the assembly softmax kernels need
// for C classes.
func asmScratchLen(C int) int { return ScratchLen(C) }

// splitScratch carves the table, the aligned kernel scratch and the output
// out of s (at least asmScratchLen(C) floats).
func splitScratch(s []float32, C int) (tab, scr, out []float32) {
	tab = s[:tabFloats*C]
	rest := s[tabFloats*C:]
	if a := uintptr(unsafe.Pointer(unsafe.SliceData(rest))) % 64; a != 0 {
		rest = rest[(64-a)/4:]
	}
	scr = rest[:80*C]
	out = rest[80*C : 80*C+4*C+4]
	return tab, scr, out
}

// statsArgs fills tab's CE weights, their eps/C*w and the focal alphas
// for the statistics kernels and returns their flags and scalar arguments.
func statsArgs(p *SoftmaxParams, tab []float32) (flags uint64, eps1, epsC, wsum float32, gm int) {
	C := p.C
	flags = uint64(p.Need)
	wsum = float32(C)
	eps1, epsC = 1-p.Smoothing, p.Smoothing/float32(C)
	if p.CEWeight != nil {
		flags |= flagWeights
		wsum = 0
		for c, w := range p.CEWeight[:C] {
			tab[c*tabFloats] = w
			tab[c*tabFloats+6] = epsC * w
			wsum += w
		}
	}
	if p.Alpha != nil {
		flags |= flagAlpha
		for c, a := range p.Alpha[:C] {
			tab[c*tabFloats+1] = a
		}
	}
	if p.Smoothing != 0 {
		flags |= flagSmooth
	}
	if p.PixelWeight != nil {
		flags |= flagPixW
		if p.CEWeight == nil {
			// Class weights of 1: the kernels' weighted CE path, one log
			// per pixel (a weighted sum of logs is no product's log).
			flags |= flagWeights
			for c := 0; c < C; c++ {
				tab[c*tabFloats] = 1
				tab[c*tabFloats+6] = epsC
			}
		}
	}
	gm = powMode(p.Gamma)
	return flags, eps1, epsC, wsum, gm
}

func softmaxStatsAsm[L Label](avx512 bool) func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]) {
	return func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]) {
		C := p.C
		if len(p.Scratch) < asmScratchLen(C) || hi-lo > BlockSize {
			softmaxStatsGeneric(x, S, lo, hi, lab, p, s)
			return
		}
		tab, scr, out := splitScratch(p.Scratch, C)
		flags, eps1, epsC, wsum, gm := statsArgs(p, tab)
		ign := ignoreArg(p.UseIgnore, p.Ignore)
		small := flags&uint64(NeedFocal) == 0 && p.PixelWeight == nil && asm.SmallC(C)
		// The probabilities' planes, stored normally: the gradient pass
		// reads them back, and finds part of them in the caches (dice
		// fwd+bwd on 8x4x512x512, Zen 4: 8.3-9.1 ms against 8.8-9.5 ms with
		// non-temporal stores, alternate test binaries).
		var pd []float32
		if p.Probs != nil && p.Need&NeedRegion != 0 {
			pd = p.Probs
			flags |= flagProbs
		}
		switch l := any(lab).(type) {
		case []uint8:
			switch {
			case avx512 && small:
				asm.SoftmaxStatsSmallU8AVX512(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			case small:
				asm.SoftmaxStatsSmallU8AVX2(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			case avx512:
				asm.SoftmaxStatsU8AVX512(x, S, lo, hi, l, p.PixelWeight, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			default:
				asm.SoftmaxStatsU8AVX2(x, S, lo, hi, l, p.PixelWeight, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			}
		case []int32:
			switch {
			case avx512 && small:
				asm.SoftmaxStatsSmallI32AVX512(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			case small:
				asm.SoftmaxStatsSmallI32AVX2(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			case avx512:
				asm.SoftmaxStatsI32AVX512(x, S, lo, hi, l, p.PixelWeight, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			default:
				asm.SoftmaxStatsI32AVX2(x, S, lo, hi, l, p.PixelWeight, C, ign, flags, tab, scr, eps1, epsC, wsum, p.Gamma, gm, out, pd)
			}
		}
		copy(s.P[:C], out[0:C])
		copy(s.PY[:C], out[C:2*C])
		copy(s.Count[:C], out[2*C:3*C])
		if p.Need&NeedSquared != 0 {
			copy(s.PP[:C], out[3*C:4*C])
		} else {
			clear(s.PP[:C])
		}
		r := out[4*C:]
		s.CE, s.W, s.Focal, s.Valid = r[0], r[1], r[2], r[3]
	}
}

// gradArgs fills tab for the gradient kernels (w, alpha, kappa*w, A, B,
// E per class) and returns their flags and k1, k2; avx512 says whether the
// kernel is the AVX-512 one, the only one that stores non-temporally.
func gradArgs(c *SoftmaxCoef, S, lo int, tab, dst []float32, avx512 bool) (flags uint64, k1, k2 float32) {
	C := c.C
	var kappa float32
	if c.CEScale != 0 {
		wsum := float32(C)
		if c.CEWeight != nil {
			flags |= flagWeights
			wsum = 0
			for _, v := range c.CEWeight[:C] {
				wsum += v
			}
		}
		k1 = c.CEScale * (1 - c.Smoothing)
		k2 = c.CEScale * c.Smoothing * wsum / float32(C)
		if c.Smoothing != 0 {
			kappa = c.CEScale * c.Smoothing / float32(C)
		}
	}
	for k := 0; k < C; k++ {
		t := tab[k*tabFloats : (k+1)*tabFloats]
		w := float32(1)
		if c.CEWeight != nil {
			w = c.CEWeight[k]
		}
		t[0] = w
		t[1] = 1
		if c.Alpha != nil {
			t[1] = c.Alpha[k]
		}
		t[2] = kappa * w
		if c.A != nil {
			t[3], t[4], t[5] = c.A[k], c.B[k], c.E[k]
		}
	}
	if c.A != nil {
		flags |= asmRegion
	}
	if kappa != 0 {
		flags |= flagSmooth
	}
	if avx512 && C*S*4 >= ntBytes && S%16 == 0 && uintptr(unsafe.Pointer(&dst[lo]))%64 == 0 {
		flags |= asmNT
	}
	if c.Alpha != nil {
		flags |= flagAlpha
	}
	if c.PixelWeight != nil {
		flags |= flagPixW
	}
	return flags, k1, k2
}

// ignoreArg is the ign argument of the softmax kernels: the ignored label,
// or -1.
func ignoreArg(use bool, label int32) int32 {
	if use {
		return label
	}
	return -1
}

func softmaxGradAsm[L Label](avx512 bool) func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32) {
	return func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32) {
		C := c.C
		if len(c.Scratch) < asmScratchLen(C) || hi-lo > BlockSize {
			softmaxGradGeneric(x, S, lo, hi, lab, c, dst)
			return
		}
		tab, scr, _ := splitScratch(c.Scratch, C)
		flags, k1, k2 := gradArgs(c, S, lo, tab, dst, avx512)
		ign := ignoreArg(c.UseIgnore, c.Ignore)
		gm, gm1 := powMode(c.Gamma), powMode(c.Gamma-1)
		focal := c.FocalScale != 0
		if c.FromProbs {
			if focal { // no focal kernel takes probabilities
				softmaxGradGeneric(x, S, lo, hi, lab, c, dst)
				return
			}
			// In place: the stores hit the lines the loads brought in, and
			// a non-temporal store there evicts them first (the gradient
			// pass took 2x as long with them, Zen 4).
			flags |= flagProbs
			flags &^= asmNT
		}
		small := !focal && c.PixelWeight == nil && asm.SmallC(C)
		switch l := any(lab).(type) {
		case []uint8:
			switch {
			case avx512 && small:
				asm.SoftmaxGradSmallU8AVX512(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case small:
				asm.SoftmaxGradSmallU8AVX2(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case avx512 && focal:
				asm.SoftmaxGradFocalU8AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case avx512:
				asm.SoftmaxGradU8AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case focal:
				asm.SoftmaxGradFocalU8AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			default:
				asm.SoftmaxGradU8AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			}
		case []int32:
			switch {
			case avx512 && small:
				asm.SoftmaxGradSmallI32AVX512(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case small:
				asm.SoftmaxGradSmallI32AVX2(x, S, lo, hi, l, nil, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case avx512 && focal:
				asm.SoftmaxGradFocalI32AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case avx512:
				asm.SoftmaxGradI32AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			case focal:
				asm.SoftmaxGradFocalI32AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			default:
				asm.SoftmaxGradI32AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst)
			}
		}
	}
}

func softmaxFusedAsm[L Label](avx512 bool) func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32) {
	return func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32) {
		C := c.C
		if len(c.Scratch) < asmScratchLen(C) || hi-lo > BlockSize {
			softmaxFusedGeneric(x, S, lo, hi, lab, p, c, s, dst)
			return
		}
		tab, scr, out := splitScratch(c.Scratch, C)
		sflags, eps1, epsC, wsum, _ := statsArgs(p, tab)
		sflags &^= uint64(NeedRegion | NeedSquared)
		flags, k1, k2 := gradArgs(c, S, lo, tab, dst, avx512)
		ign := ignoreArg(c.UseIgnore, c.Ignore)
		gm, gm1 := powMode(c.Gamma), powMode(c.Gamma-1)
		focal := c.FocalScale != 0
		small := !focal && flags&asmRegion == 0 && sflags&uint64(NeedFocal) == 0 && c.PixelWeight == nil && asm.SmallC(C)
		switch l := any(lab).(type) {
		case []uint8:
			switch {
			case avx512 && small:
				asm.SoftmaxFusedSmallU8AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case small:
				asm.SoftmaxFusedSmallU8AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case avx512 && focal:
				asm.SoftmaxFusedFocalU8AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case avx512:
				asm.SoftmaxFusedU8AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case focal:
				asm.SoftmaxFusedFocalU8AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			default:
				asm.SoftmaxFusedU8AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			}
		case []int32:
			switch {
			case avx512 && small:
				asm.SoftmaxFusedSmallI32AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case small:
				asm.SoftmaxFusedSmallI32AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case avx512 && focal:
				asm.SoftmaxFusedFocalI32AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case avx512:
				asm.SoftmaxFusedI32AVX512(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			case focal:
				asm.SoftmaxFusedFocalI32AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			default:
				asm.SoftmaxFusedI32AVX2(x, S, lo, hi, l, c.PixelWeight, C, ign, flags, tab, scr, k1, k2, c.FocalScale, c.Gamma, gm, gm1, dst, sflags, eps1, epsC, wsum, out)
			}
		}
		s.CE, s.W, s.Focal, s.Valid = out[0], out[1], out[2], out[3]
	}
}
