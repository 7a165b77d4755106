//go:build !purego && (amd64 || arm64)

package asm

// The checks of the exported entry points (checked_amd64.go,
// checked_arm64.go): hand-written, not generated. Each is O(1) and
// overflow-safe; together they bound every address a kernel reads or
// writes (a label outside [0, C) is skipped by the kernels themselves).

import (
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// ErrArg is the error (wrapped with the function's name) an entry point
// returns when its slices are shorter than its counts ask for, or a count
// or range is out of bounds.
var ErrArg = errors.New("asm: slice lengths do not match the counts")

// ErrCPU is the error (wrapped) an amd64 entry point returns on a CPU that
// does not run its tier.
var ErrCPU = errors.New("asm: the CPU does not run this kernel's instruction set")

func argErr(fn string) error { return fmt.Errorf("%w: %s", ErrArg, fn) }
func cpuErr(fn string) error { return fmt.Errorf("%w: %s", ErrCPU, fn) }

// imageOK reports whether pixels [lo, hi) of C planes of S pixels are in
// an x of nx elements with nlab labels: 1 <= C <= 2^31-1 (the kernels
// compare labels with C in 32-bit lanes), S >= 0, C*S <= nx, 0 <= lo <= hi
// <= S, nlab >= hi.
func imageOK(nx, S, C, lo, hi, nlab int) bool {
	return C >= 1 && C <= math.MaxInt32 && S >= 0 && S <= nx/C &&
		lo >= 0 && lo <= hi && hi <= S && nlab >= hi
}

// countsOK reports whether the confusion counts have C elements each.
func countsOK(C int, tp, fp, fn []int64) bool {
	return len(tp) >= C && len(fp) >= C && len(fn) >= C
}

// Flag bits of the softmax kernels that decide what memory they touch.
const (
	bitFocal   = 2    // the focal term (statistics: its sum)
	bitRegion  = 4    // region terms: per-class sums, A, B, E
	bitAlpha   = 256  // focal alpha table
	bitWeights = 512  // CE weight table
	bitSmooth  = 1024 // label smoothing: with bitWeights, NEON statistics read ew
	bitAux     = 2048 // amd64 gradient: non-temporal stores; NEON statistics: scr holds 4*nc floats
)

// bitPixW is the flag of the softmax kernels' per-pixel weights.
const bitPixW = 4096

// bitProbs is the flag of the amd64 softmax statistics kernels that store
// the probabilities into dst (and of the gradient kernels that read them
// from x, which imageOK bounds as logits).
const bitProbs = 16384

// pixWOK checks the per-pixel weights of a softmax kernel: at least hi of
// them when flags ask for them (the kernels read pw[lo:hi]).
func pixWOK(flags uint64, pw []float32, hi int) bool {
	return flags&bitPixW == 0 || len(pw) >= hi
}

// statsOK checks the amd64 statistics kernels' tables (C <= 2^31-1, so
// the products do not overflow): tab 8*C floats, scr 80*C (the per-class
// lane accumulators of AVX-512), out 4*C+4.
func statsOK(C int, tab, scr, out []float32) bool {
	return len(tab) >= 8*C && len(scr) >= 80*C && len(out) >= 4*C+4
}

// gradOK checks the amd64 gradient kernels' tables and output: tab 8*C
// floats, scr 32*C, dst C*S (C*S fits: imageOK); with non-temporal stores
// (flags&2048), plane starts and dst+lo 64-byte aligned.
func gradOK(C, S, lo int, flags uint64, tab, scr, dst []float32) bool {
	if len(tab) < 8*C || len(scr) < 32*C || len(dst) < C*S {
		return false
	}
	if flags&bitAux != 0 {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(dst))) + 4*uintptr(lo)
		return S%16 == 0 && p%64 == 0
	}
	return true
}

// probsOK checks the probability planes of the amd64 statistics kernels:
// with flags&16384, dst C*S floats (C*S fits: imageOK), and with
// non-temporal stores (flags&2048) plane starts and dst+lo 64-byte
// aligned, as gradOK checks a gradient.
func probsOK(C, S, lo int, flags uint64, dst []float32) bool {
	if flags&bitProbs == 0 {
		return true
	}
	if len(dst) < C*S {
		return false
	}
	if flags&bitAux != 0 {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(dst))) + 4*uintptr(lo)
		return S%16 == 0 && p%64 == 0
	}
	return true
}

// neonStatsOK checks what the NEON statistics kernels read and write under
// flags: w (CE weights) and alpha nc floats when flagged, ew nc with CE
// weights and label smoothing (flags 512 and 1024), scr 4*nc with
// flags&2048, the per-class sums nc each with region terms, out 4.
func neonStatsOK(nc int, flags uint64, w, alpha, ew, scr, P, PY, Count, PP, out []float32) bool {
	switch {
	case flags&bitWeights != 0 && len(w) < nc,
		flags&bitAlpha != 0 && len(alpha) < nc,
		flags&(bitWeights|bitSmooth) == bitWeights|bitSmooth && len(ew) < nc,
		flags&bitAux != 0 && len(scr) < 4*nc,
		flags&bitRegion != 0 && (len(P) < nc || len(PY) < nc || len(Count) < nc || len(PP) < nc),
		len(out) < 4:
		return false
	}
	return true
}

// neonGradOK checks what the NEON gradient kernels read and write under
// flags: w and alpha nc floats when flagged, A, B, E nc each with region
// terms, dst nc*S (nc*S fits: imageOK).
func neonGradOK(nc, S int, flags uint64, w, alpha, A, B, E, dst []float32) bool {
	switch {
	case flags&bitWeights != 0 && len(w) < nc,
		flags&bitAlpha != 0 && len(alpha) < nc,
		flags&bitRegion != 0 && (len(A) < nc || len(B) < nc || len(E) < nc),
		len(dst) < nc*S:
		return false
	}
	return true
}

// softOK checks the probability-target kernels' image and tables: pixels
// [lo, hi) of C planes of S pixels in x and y (imageOK for both), tab and
// scr at least 8*C and scrPer*C floats.
func softOK(x, y []float32, S, lo, hi, C int, tab, scr []float32, scrPer int) bool {
	return imageOK(len(x), S, C, lo, hi, hi) && S <= len(y)/C &&
		len(tab) >= 8*C && len(scr)/scrPer >= C
}

// edtReach is internal/kernels.EDTScanReach, the rows of +Inf the scan's
// tile has above and below its rows.
const edtReach = 128

// edtScanOK reports whether a scan tile of lanes lines (a multiple of L, at
// most 64)
// and rows rows at pitch fits src (rows + 2·edtReach rows) and dst (rows
// rows), with sq holding edtReach+2 squares.
func edtScanOK(dst, src, sq []float32, pitch, lanes, rows, L int) bool {
	switch {
	case lanes < 0 || lanes > 64 || lanes%L != 0 || rows < 0 || pitch < lanes || len(sq) < edtReach+2:
		return false
	case rows == 0 || lanes == 0:
		return true
	}
	return rows <= len(src)/pitch-2*edtReach && len(dst) >= lanes && rows-1 <= (len(dst)-lanes)/pitch
}

// nearOK reports whether a row of n voxels, padded by pad, fits rows of
// lengths a, b, c (each at least n + 2·pad + 7) for a scan of steps steps,
// and outputs of lengths outs (each at least n).
func nearOK(n, pad, steps, a, b, c int, outs ...int) bool {
	if n < 0 || steps < 1 || pad < steps-1 || pad > a || pad > b || pad > c || n > min(a, b, c)-2*pad-7 {
		return false
	}
	for _, o := range outs {
		if o < n {
			return false
		}
	}
	return true
}
