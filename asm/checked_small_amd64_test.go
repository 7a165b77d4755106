//go:build !purego

package asm

import (
	"errors"
	"fmt"
	"testing"
)

// TestCheckedSmall: the small-C fused entry points refuse C outside [2, 8],
// the region flag (4) and per-pixel weights (4096) besides
// SoftmaxFusedU8AVX2's checks, the statistics ones C, the focal flag (2)
// and per-pixel weights, the gradient ones C and per-pixel weights, on
// every amd64 CPU; valid arguments run (or give
// ErrCPU); a pw one short of hi, ending at a guard page, is ErrArg without
// a fault.
func TestCheckedSmall(t *testing.T) {
	const S = 64
	type call func(lab8 []uint8, lab32 []int32, pw []float32, C int, flags uint64, tab, scr, dst, out []float32) [4]error
	run := func(lab8 []uint8, lab32 []int32, pw []float32, C int, flags uint64, tab, scr, dst, out []float32) [4]error {
		img := make([]float32, max(C, 1)*S)
		return [4]error{
			SoftmaxFusedSmallU8AVX2(img, S, 0, S, lab8, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, float32(C), out),
			SoftmaxFusedSmallI32AVX2(img, S, 0, S, lab32, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, float32(C), out),
			SoftmaxFusedSmallU8AVX512(img, S, 0, S, lab8, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, float32(C), out),
			SoftmaxFusedSmallI32AVX512(img, S, 0, S, lab32, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, float32(C), out),
		}
	}
	var f call = run
	names := [4]string{"U8AVX2", "I32AVX2", "U8AVX512", "I32AVX512"}
	has := [4]bool{hasAVX2, hasAVX2, hasAVX512, hasAVX512}
	l8, l32 := make([]uint8, S), make([]int32, S)
	for C := 0; C <= 10; C++ {
		n := max(C, 1)
		tab, scr, out, dst := make([]float32, 8*n), make([]float32, 80*n), make([]float32, 4*n+4), make([]float32, n*S)
		for _, flags := range []uint64{1, 1 | 4} {
			errs := f(l8, l32, nil, C, flags, tab, scr, dst, out)
			for i, err := range errs {
				where := fmt.Sprintf("%s C=%d flags=%d", names[i], C, flags)
				switch {
				case C < 2 || C > 8 || flags&4 != 0:
					if !errors.Is(err, ErrArg) {
						t.Fatalf("%s: error %v, want ErrArg", where, err)
					}
				case has[i] && err != nil:
					t.Fatalf("%s: error %v on valid arguments", where, err)
				case !has[i] && !errors.Is(err, ErrCPU):
					t.Fatalf("%s: error %v, want ErrCPU", where, err)
				}
			}
		}
		if C == 4 {
			pw := guardF32(t, S-1)
			for i, err := range f(l8, l32, pw, C, 1|4096, tab, scr, dst, out) {
				wantArg(t, names[i]+" short pw", err)
			}
			for i, err := range f(l8, l32, make([]float32, S), C, 1|4096, tab, scr, dst, out) {
				wantArg(t, names[i]+" per-pixel weights", err)
			}
			for i, err := range f(l8, l32, nil, C, 1, tab[:8*C-1], scr, dst, out) {
				wantArg(t, names[i]+" short tab", err)
			}
		}
	}
	// The statistics entry points: C, the focal bit and per-pixel weights.
	for C := 0; C <= 10; C++ {
		n := max(C, 1)
		img := make([]float32, n*S)
		tab, scr, out := make([]float32, 8*n), make([]float32, 80*n), make([]float32, 4*n+4)
		for _, flags := range []uint64{1 | 4, 1 | 2, 1 | 4096} {
			errs := [4]error{
				SoftmaxStatsSmallU8AVX2(img, S, 0, S, l8, make([]float32, S), C, -1, flags, tab, scr, 1, 0, float32(C), 0, 0, out, nil),
				SoftmaxStatsSmallI32AVX2(img, S, 0, S, l32, make([]float32, S), C, -1, flags, tab, scr, 1, 0, float32(C), 0, 0, out, nil),
				SoftmaxStatsSmallU8AVX512(img, S, 0, S, l8, make([]float32, S), C, -1, flags, tab, scr, 1, 0, float32(C), 0, 0, out, nil),
				SoftmaxStatsSmallI32AVX512(img, S, 0, S, l32, make([]float32, S), C, -1, flags, tab, scr, 1, 0, float32(C), 0, 0, out, nil),
			}
			for i, err := range errs {
				where := fmt.Sprintf("stats %s C=%d flags=%d", names[i], C, flags)
				switch {
				case C < 2 || C > 8 || flags&(2|4096) != 0:
					if !errors.Is(err, ErrArg) {
						t.Fatalf("%s: error %v, want ErrArg", where, err)
					}
				case has[i] && err != nil:
					t.Fatalf("%s: error %v on valid arguments", where, err)
				case !has[i] && !errors.Is(err, ErrCPU):
					t.Fatalf("%s: error %v, want ErrCPU", where, err)
				}
			}
		}
	}
	// The gradient entry points: C and per-pixel weights.
	for C := 0; C <= 10; C++ {
		n := max(C, 1)
		img, dst := make([]float32, n*S), make([]float32, n*S)
		tab, scr := make([]float32, 8*n), make([]float32, 80*n)
		for _, flags := range []uint64{4, 4 | 4096} {
			pw := make([]float32, S)
			errs := [4]error{
				SoftmaxGradSmallU8AVX2(img, S, 0, S, l8, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst),
				SoftmaxGradSmallI32AVX2(img, S, 0, S, l32, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst),
				SoftmaxGradSmallU8AVX512(img, S, 0, S, l8, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst),
				SoftmaxGradSmallI32AVX512(img, S, 0, S, l32, pw, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst),
			}
			for i, err := range errs {
				where := fmt.Sprintf("grad %s C=%d flags=%d", names[i], C, flags)
				switch {
				case C < 2 || C > 8 || flags&4096 != 0:
					if !errors.Is(err, ErrArg) {
						t.Fatalf("%s: error %v, want ErrArg", where, err)
					}
				case has[i] && err != nil:
					t.Fatalf("%s: error %v on valid arguments", where, err)
				case !has[i] && !errors.Is(err, ErrCPU):
					t.Fatalf("%s: error %v, want ErrCPU", where, err)
				}
			}
		}
	}
	if SmallC(1) || !SmallC(2) || !SmallC(8) || SmallC(9) {
		t.Fatal("SmallC: want exactly 2..8")
	}
}
