//go:build !purego && linux

package asm

import (
	"errors"
	"testing"
)

// TestFinding8 runs the exact cases of issue finding 8, each of which died
// with "unexpected fault address" when the raw kernels were exported, and
// the same on the AVX2 kernels: every one now returns ErrArg (checked
// before the CPU, so on any amd64 CPU) and touches no memory.
func TestFinding8(t *testing.T) {
	x := guardF32(t, 3)
	dst := make([]float32, 64)
	wantArg(t, "ExpAVX512", ExpAVX512(dst, x))
	wantArg(t, "ExpAVX2", ExpAVX2(dst, x))
	wantArg(t, "LogAVX2", LogAVX2(dst, x))
	wantArg(t, "SigmoidAVX512", SigmoidAVX512(dst, x))

	xs, ys := make([]float32, 100), make([]float32, 100)
	out1 := guardF32(t, 1)
	wantArg(t, "SigmoidStatsAVX512", errOf(SigmoidStatsAVX512(xs, ys, 15, 1, 0.25, 2, 2, out1)))
	wantArg(t, "SigmoidStatsAVX2", errOf(SigmoidStatsAVX2(xs, ys, 15, 1, 0.25, 2, 2, out1)))
	wantArg(t, "SigmoidFusedAVX2", errOf(SigmoidFusedAVX2(xs, ys, dst, 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0, 1, out1)))

	const C = 3
	img := make([]float32, C*64)
	lab := make([]uint8, 64)
	tab, scr, out := make([]float32, 8*C), make([]float32, 80*C+16), make([]float32, 4*C+4)
	for _, S := range []int{1 << 40, 65, -1} {
		wantArg(t, "SoftmaxStatsU8AVX512", SoftmaxStatsU8AVX512(img, S, 0, 64, lab, nil, C, -1, 1, tab, scr, 1, 0, C, 0, 0, out, nil))
		wantArg(t, "SoftmaxStatsU8AVX2", SoftmaxStatsU8AVX2(img, S, 0, 64, lab, nil, C, -1, 1, tab, scr, 1, 0, C, 0, 0, out, nil))
		wantArg(t, "SoftmaxGradU8AVX2", SoftmaxGradU8AVX2(img, S, 0, 64, lab, nil, C, -1, 1, tab, scr, 1, 0, 0, 0, 0, 0, img))
	}
	tp, fp, fn := make([]int64, C), make([]int64, C), make([]int64, C)
	wantArg(t, "ConfusionU8AVX512", ConfusionU8AVX512(img, 64, 1<<30, 0, 64, lab, -1, tp, fp, fn))
	wantArg(t, "ConfusionU8AVX2", ConfusionU8AVX2(img, 64, 1<<30, 0, 64, lab, -1, tp, fp, fn))
	wantArg(t, "ConfusionI32AVX2 short tp", ConfusionI32AVX2(img, 64, C, 0, 64, make([]int32, 64), -1, tp[:2], fp, fn))
}

// TestCheckedBounds: the checks of the softmax entry points, case by case,
// and a valid call that runs (where the CPU has the tier).
func TestCheckedBounds(t *testing.T) {
	const C, S = 3, 64
	img := make([]float32, C*S)
	lab := make([]int32, S)
	tab, scr, out := make([]float32, 8*C), make([]float32, 80*C), make([]float32, 4*C+4)
	dst := make([]float32, C*S)
	type call func(x []float32, S, lo, hi int, lab []int32, C int, tab, scr, dst, out []float32, flags uint64) error
	grad := func(x []float32, S, lo, hi int, lab []int32, C int, tab, scr, dst, out []float32, flags uint64) error {
		return SoftmaxFusedI32AVX2(x, S, lo, hi, lab, nil, C, -1, flags, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, float32(C), out)
	}
	stats := func(x []float32, S, lo, hi int, lab []int32, C int, tab, scr, dst, out []float32, flags uint64) error {
		return SoftmaxStatsI32AVX512(x, S, lo, hi, lab, nil, C, -1, flags, tab, scr, 1, 0, float32(C), 0, 0, out, nil)
	}
	for _, f := range []call{grad, stats} {
		for i, bad := range []func() error{
			func() error { return f(img, S, -1, S, lab, C, tab, scr, dst, out, 1) },
			func() error { return f(img, S, 0, S+1, lab, C, tab, scr, dst, out, 1) },
			func() error { return f(img, S, 5, 4, lab, C, tab, scr, dst, out, 1) },
			func() error { return f(img, S, 0, S, lab[:S-1], C, tab, scr, dst, out, 1) },
			func() error { return f(img[:C*S-1], S, 0, S, lab, C, tab, scr, dst, out, 1) },
			func() error { return f(img, S, 0, S, lab, 0, tab, scr, dst, out, 1) },
			func() error { return f(img, 0, 0, 0, lab, 1<<31, tab, scr, dst, out, 1) },
			func() error { return f(img, S, 0, S, lab, C, tab[:8*C-1], scr, dst, out, 1) },
			func() error { return f(img, S, 0, S, lab, C, tab, scr[:32*C-1], dst, out, 1) },
			func() error { return f(img, S, 0, S, lab, C, tab, scr, dst[:C*S-1], out[:3], 1) },
		} {
			if err := bad(); !errors.Is(err, ErrArg) {
				t.Fatalf("case %d: error %v, want ErrArg", i, err)
			}
		}
	}
	// Non-temporal stores need dst[lo:] 64-byte aligned and S a multiple
	// of 16: a misaligned dst is an error, not a fault.
	buf := make([]float32, C*S+16)
	for off := 0; off < 16; off++ {
		d := buf[off : off+C*S]
		err := grad(img, S, 0, S, lab, C, tab, scr, d, out, 1|2048)
		if aligned := uintptr(unsafePtr(d))%64 == 0; aligned != (err == nil) && !(aligned && errors.Is(err, ErrCPU)) {
			t.Fatalf("offset %d (aligned %v): error %v", off, aligned, err)
		}
	}
	if SupportedAVX2() {
		if err := grad(img, S, 0, S, lab, C, tab, scr, dst, out, 1); err != nil {
			t.Fatal(err)
		}
	} else if err := grad(img, S, 0, S, lab, C, tab, scr, dst, out, 1); !errors.Is(err, ErrCPU) {
		t.Fatalf("no AVX2: error %v, want ErrCPU", err)
	}
	if !SupportedAVX512() {
		if err := stats(img, S, 0, S, lab, C, tab, scr, dst, out, 1); !errors.Is(err, ErrCPU) {
			t.Fatalf("no AVX-512: error %v, want ErrCPU", err)
		}
	}
}

// TestCheckedWeighted: the weighted sigmoid entry points reject a weight
// slice shorter than x (here one short, its end on a guard page) before
// they touch memory, on every amd64 CPU.
func TestCheckedWeighted(t *testing.T) {
	xs, ys, dst, out := make([]float32, 100), make([]float32, 100), make([]float32, 100), make([]float32, 8)
	w := guardF32(t, 99)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"SigmoidStatsWAVX2", errOf(SigmoidStatsWAVX2(xs, ys, w, 15, 1, 0.25, 2, 2, out))},
		{"SigmoidStatsWAVX512", errOf(SigmoidStatsWAVX512(xs, ys, w, 15, 1, 0.25, 2, 2, out))},
		{"SigmoidGradWAVX2", errOf(SigmoidGradWAVX2(xs, ys, w, dst, 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0))},
		{"SigmoidGradWAVX512", errOf(SigmoidGradWAVX512(xs, ys, w, dst, 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0))},
		{"SigmoidFusedWAVX2", errOf(SigmoidFusedWAVX2(xs, ys, w, dst, 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0, 1, out))},
		{"SigmoidFusedWAVX512", errOf(SigmoidFusedWAVX512(xs, ys, w, dst, 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0, 1, out))},
	} {
		wantArg(t, tc.name, tc.err)
	}
	if hasAVX2 {
		if err := errOf(SigmoidStatsWAVX2(xs, ys, make([]float32, 100), 15, 1, 0.25, 2, 2, out)); err != nil {
			t.Fatalf("SigmoidStatsWAVX2 on valid arguments: %v", err)
		}
	}
}

// TestCheckedPixelWeights: every softmax entry point given per-pixel
// weights (flag 4096) one short of hi, ending at a guard page, returns
// ErrArg and touches no memory; the fused ones did not check them (a fault).
func TestCheckedPixelWeights(t *testing.T) {
	const C, S = 3, 64
	img, dst := make([]float32, C*S), make([]float32, C*S)
	l8, l32 := make([]uint8, S), make([]int32, S)
	tab, scr, out := make([]float32, 8*C), make([]float32, 80*C), make([]float32, 4*C+4)
	pw := guardF32(t, S-1)
	const f = 1 | 4096
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"SoftmaxStatsU8AVX2", SoftmaxStatsU8AVX2(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, C, 0, 0, out, nil)},
		{"SoftmaxStatsI32AVX512", SoftmaxStatsI32AVX512(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, C, 0, 0, out, nil)},
		{"SoftmaxGradU8AVX2", SoftmaxGradU8AVX2(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst)},
		{"SoftmaxGradFocalI32AVX512", SoftmaxGradFocalI32AVX512(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, 1, 2, 2, 1, dst)},
		{"SoftmaxFusedU8AVX2", SoftmaxFusedU8AVX2(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedI32AVX2", SoftmaxFusedI32AVX2(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedFocalU8AVX2", SoftmaxFusedFocalU8AVX2(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, 1, 2, 2, 1, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedFocalI32AVX2", SoftmaxFusedFocalI32AVX2(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, 1, 2, 2, 1, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedU8AVX512", SoftmaxFusedU8AVX512(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedI32AVX512", SoftmaxFusedI32AVX512(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedFocalU8AVX512", SoftmaxFusedFocalU8AVX512(img, S, 0, S, l8, pw, C, -1, f, tab, scr, 1, 0, 1, 2, 2, 1, dst, 1, 1, 0, C, out)},
		{"SoftmaxFusedFocalI32AVX512", SoftmaxFusedFocalI32AVX512(img, S, 0, S, l32, pw, C, -1, f, tab, scr, 1, 0, 1, 2, 2, 1, dst, 1, 1, 0, C, out)},
	} {
		wantArg(t, tc.name, tc.err)
	}
	// hi weights, the last at the guard page: runs where the CPU has AVX2
	if hasAVX2 {
		full := guardF32(t, S)
		if err := SoftmaxFusedU8AVX2(img, S, 0, S, l8, full, C, -1, f, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out); err != nil {
			t.Fatalf("SoftmaxFusedU8AVX2 with hi weights: %v", err)
		}
	}
}

// TestCheckedEDTScan: the checks of the scan's entry point, case by case,
// and a valid call that runs (where the CPU has AVX2).
func TestCheckedEDTScan(t *testing.T) {
	for i, c := range edtScanCases() {
		far, err := EDTScanAVX2(c.dst, c.src, c.sq, c.pitch, c.lanes, c.rows, false)
		if far != 0 {
			t.Fatalf("case %d returned lanes %b", i, far)
		}
		wantArg(t, "EDTScanAVX2", err)
	}
	if !hasAVX2 {
		return
	}
	v := edtScanCases()[0]
	if far, err := EDTScanAVX2(v.dst, v.src, make([]float32, edtReach+2), 16, 16, 4, false); far != 0 || err != nil {
		t.Fatalf("the valid call gave %b %v", far, err)
	}
}

// TestCheckedNearScan: the checks of the weight map's scans, case by case,
// and valid calls that run (where the CPU has AVX2).
func TestCheckedNearScan(t *testing.T) {
	for _, c := range nearCases() {
		wantArg(t, "NearScan1AVX2", NearScan1AVX2(c.o, c.h, c.f, c.g, c.dsq, c.pad, c.n, 1))
		wantArg(t, "NearScan2AVX2", NearScan2AVX2(c.o, c.f, c.g, c.f, c.h, c.lim, c.dsq, c.pad, c.n))
	}
	c := validNear()
	c.lim = c.lim[:c.n-1]
	wantArg(t, "NearScan2AVX2 short lim2", NearScan2AVX2(c.o, c.f, c.g, c.f, c.h, c.lim, c.dsq, c.pad, c.n))
	if !hasAVX2 {
		return
	}
	v := validNear()
	if err := NearScan1AVX2(v.o, v.h, v.f, v.g, v.dsq, v.pad, v.n, 1); err != nil {
		t.Fatal(err)
	}
	if err := NearScan2AVX2(v.o, v.f, v.g, v.f, v.h, v.lim, v.dsq, v.pad, v.n); err != nil {
		t.Fatal(err)
	}
}
