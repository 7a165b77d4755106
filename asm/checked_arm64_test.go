//go:build !purego && linux

package asm

import "testing"

// TestFinding8 runs the NEON analogues of issue finding 8's cases (an x
// that ends at a guard page, a short out, S = 1<<40, C = 1<<30): each
// returns ErrArg and touches no memory.
func TestFinding8(t *testing.T) {
	x := guardF32(t, 3)
	dst := make([]float32, 64)
	wantArg(t, "ExpNEON", ExpNEON(dst, x))
	wantArg(t, "SigmoidNEON", SigmoidNEON(dst, x))
	xs, ys := make([]float32, 100), make([]float32, 100)
	wantArg(t, "SigmoidStatsNEON", errOf(SigmoidStatsNEON(xs, ys, 15, 1, 0.25, 2, 2, guardF32(t, 1))))
	// weights one short of x, their end on a guard page
	wantArg(t, "SigmoidStatsWNEON", errOf(SigmoidStatsWNEON(xs, ys, guardF32(t, 99), 15, 1, 0.25, 2, 2, make([]float32, 8))))
	wantArg(t, "SigmoidGradWNEON", errOf(SigmoidGradWNEON(xs, ys, guardF32(t, 99), dst[:0], 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0)))
	wantArg(t, "SigmoidGradWNEON short w", errOf(SigmoidGradWNEON(xs, ys, guardF32(t, 99), make([]float32, 100), 1, 0, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0)))
	// the probability kernels: a short out, y, w or dst, their end on a guard page
	wantArg(t, "SigmoidStatsPNEON", errOf(SigmoidStatsPNEON(xs, ys, 5, 1, -1, 0, 0, guardF32(t, 7))))
	wantArg(t, "SigmoidStatsPNEON short y", errOf(SigmoidStatsPNEON(xs, guardF32(t, 99), 5, 1, -1, 0, 0, make([]float32, 8))))
	wantArg(t, "SigmoidStatsPWNEON", errOf(SigmoidStatsPWNEON(xs, ys, guardF32(t, 99), 5, 1, -1, 0, 0, make([]float32, 8))))
	wantArg(t, "SigmoidGradPNEON", errOf(SigmoidGradPNEON(xs, ys, guardF32(t, 99), 5, 0.1, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0)))
	wantArg(t, "SigmoidGradPWNEON", errOf(SigmoidGradPWNEON(xs, ys, guardF32(t, 99), make([]float32, 100), 5, 0.1, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0)))
	wantArg(t, "SigmoidGradPWNEON short dst", errOf(SigmoidGradPWNEON(xs, ys, make([]float32, 100), guardF32(t, 99), 5, 0.1, 0, 0, 0, 1, 1, 0, -1, 0, 0, 0)))
	// exact lengths, their ends on guard pages: the kernels run and touch nothing past them
	if err := errOf(SigmoidStatsPWNEON(guardF32(t, 99), guardF32(t, 99), guardF32(t, 99), 13|16, 1, -1, 0, 0, guardF32(t, 8))); err != nil {
		t.Fatal(err)
	}
	if err := errOf(SigmoidGradPWNEON(guardF32(t, 99), guardF32(t, 99), guardF32(t, 99), guardF32(t, 99), 5|16, 0.1, 0, 0, 0.2, 1, 1, 0, -1, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	const C = 3
	img := make([]float32, C*64)
	lab := make([]uint8, 64)
	P, PY, Count, PP, out := make([]float32, C), make([]float32, C), make([]float32, C), make([]float32, C), make([]float32, 4)
	for _, S := range []int{1 << 40, 65, -1} {
		wantArg(t, "SoftmaxStatsU8NEON", SoftmaxStatsU8NEON(img, S, 0, 64, lab, nil, C, -1, 1|4, nil, nil, nil, 1, 0, C, 0, 0, nil, P, PY, Count, PP, out))
	}
	// flags that name a table the call does not pass
	wantArg(t, "SoftmaxStatsU8NEON weights", SoftmaxStatsU8NEON(img, 64, 0, 64, lab, nil, C, -1, 1|512, nil, nil, nil, 1, 0, C, 0, 0, nil, P, PY, Count, PP, out))
	wantArg(t, "SoftmaxStatsU8NEON smoothing weights", SoftmaxStatsU8NEON(img, 64, 0, 64, lab, nil, C, -1, 1|512|1024, make([]float32, C), nil, make([]float32, C-1), 1, 0, C, 0, 0, nil, P, PY, Count, PP, out))
	wantArg(t, "SoftmaxStatsU8NEON scratch", SoftmaxStatsU8NEON(img, 64, 0, 64, lab, nil, C, -1, 1|2048, nil, nil, nil, 1, 0, C, 0, 0, make([]float32, 4*C-1), P, PY, Count, PP, out))
	// per-pixel weights one short of hi, their end on a guard page
	wantArg(t, "SoftmaxStatsU8NEON pixel weights", SoftmaxStatsU8NEON(img, 64, 0, 64, lab, guardF32(t, 63), C, -1, 1|4096, nil, nil, nil, 1, 0, C, 0, 0, nil, P, PY, Count, PP, out))
	wantArg(t, "SoftmaxGradU8NEON pixel weights", SoftmaxGradU8NEON(img, 64, 0, 64, lab, guardF32(t, 63), C, -1, 1|4096, nil, nil, nil, nil, nil, 1, 0, 0, 0, 0, 0, 0, img))
	wantArg(t, "SoftmaxGradU8NEON region", SoftmaxGradU8NEON(img, 64, 0, 64, lab, nil, C, -1, 4, nil, nil, P, PY, nil, 0, 0, 0, 0, 0, 0, 0, img))
	tp, fp, fn := make([]int64, C), make([]int64, C), make([]int64, C)
	wantArg(t, "ConfusionU8NEON", ConfusionU8NEON(img, 64, 1<<30, 0, 64, lab, -1, tp, fp, fn))
	if err := SoftmaxStatsU8NEON(img, 64, 0, 64, lab, nil, C, -1, 1|4, nil, nil, nil, 1, 0, C, 0, 0, nil, P, PY, Count, PP, out); err != nil {
		t.Fatal(err)
	}
	// hi weights, their end on a guard page: the kernel runs and reads none past them
	if err := SoftmaxStatsU8NEON(img, 64, 0, 64, lab, guardF32(t, 64), C, -1, 1|4|4096, nil, nil, nil, 1, 0, C, 0, 0, nil, P, PY, Count, PP, out); err != nil {
		t.Fatal(err)
	}
	if err := SoftmaxGradU8NEON(img, 64, 0, 64, lab, guardF32(t, 64), C, -1, 1|4096, nil, nil, nil, nil, nil, 1, 0, 0, 0, 0, 0, 0, img); err != nil {
		t.Fatal(err)
	}
	if err := ConfusionU8NEON(img, 64, C, 0, 64, lab, -1, tp, fp, fn); err != nil || tp[0] != 64 {
		t.Fatalf("error %v, tp %v", err, tp)
	}
}

// TestCheckedEDTScan: the checks of the scan's entry point, and a valid
// call that runs.
func TestCheckedEDTScan(t *testing.T) {
	for _, c := range edtScanCases() {
		far, err := EDTScanNEON(c.dst, c.src, c.sq, c.pitch, c.lanes, c.rows, false)
		if far != 0 {
			t.Fatalf("returned lanes %b", far)
		}
		wantArg(t, "EDTScanNEON", err)
	}
	v := edtScanCases()[0]
	if far, err := EDTScanNEON(v.dst, v.src, make([]float32, edtReach+2), 16, 16, 4, false); far != 0 || err != nil {
		t.Fatalf("the valid call gave %b %v", far, err)
	}
}

// TestCheckedNearScan: the checks of the weight map's scans, and valid
// calls that run.
func TestCheckedNearScan(t *testing.T) {
	for _, c := range nearCases() {
		wantArg(t, "NearScan1NEON", NearScan1NEON(c.o, c.h, c.f, c.g, c.dsq, c.pad, c.n, 1))
		wantArg(t, "NearScan2NEON", NearScan2NEON(c.o, c.f, c.g, c.f, c.h, c.lim, c.dsq, c.pad, c.n))
	}
	c := validNear()
	c.lim = c.lim[:c.n-1]
	wantArg(t, "NearScan2NEON short lim2", NearScan2NEON(c.o, c.f, c.g, c.f, c.h, c.lim, c.dsq, c.pad, c.n))
	v := validNear()
	if err := NearScan1NEON(v.o, v.h, v.f, v.g, v.dsq, v.pad, v.n, 1); err != nil {
		t.Fatal(err)
	}
	if err := NearScan2NEON(v.o, v.f, v.g, v.f, v.h, v.lim, v.dsq, v.pad, v.n); err != nil {
		t.Fatal(err)
	}
}
