package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func checkConfusion[L Label](t *testing.T, tr *tier, im softmaxImage[L], ign int32, useIgn bool) {
	t.Helper()
	C := im.C
	got, want := make([]int64, 3*C), make([]int64, 3*C)
	for i := range got {
		got[i], want[i] = int64(i), int64(i)
	}
	switch l := any(im.lab.s).(type) {
	case []uint8:
		tr.confusionU8(im.x.s, im.S, C, im.lo, im.hi, l, ign, useIgn, got[:C], got[C:2*C], got[2*C:])
		confusionGeneric(im.x.s, im.S, C, im.lo, im.hi, l, ign, useIgn, want[:C], want[C:2*C], want[2*C:])
	case []int32:
		tr.confusionI32(im.x.s, im.S, C, im.lo, im.hi, l, ign, useIgn, got[:C], got[C:2*C], got[2*C:])
		confusionGeneric(im.x.s, im.S, C, im.lo, im.hi, l, ign, useIgn, want[:C], want[C:2*C], want[2*C:])
	}
	im.x.check(t, "x")
	im.lab.check(t, "labels")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s confusion C=%d S=%d [%d,%d) ignore %v/%d: tp,fp,fn = %v, generic %v", tr.name, C, im.S, im.lo, im.hi, useIgn, ign, got, want)
	}
}

func TestConfusionTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(41, 42))
		for i, sh := range softmaxShapes() {
			for _, useIgn := range []bool{false, true} {
				for _, special := range []bool{false, true} {
					im8 := newSoftmaxImage[uint8](r, sh[0], sh[1], sh[2], sh[3], i%16, 255, useIgn, special)
					checkConfusion(t, tr, im8, 255, useIgn)
					im32 := newSoftmaxImage[int32](r, sh[0], sh[1], sh[2], sh[3], i%16, 1, useIgn, special)
					checkConfusion(t, tr, im32, 1, useIgn)
					// ties: integer logits
					for j := range im8.x.s {
						im8.x.s[j] = float32(r.IntN(3))
					}
					checkConfusion(t, tr, im8, 255, useIgn)
				}
			}
		}
	})
}

func checkConfusionBin(t *testing.T, tr *tier, x, y []float32, thr float32, off int) {
	t.Helper()
	gx, gy := newF32(len(x), off), newF32(len(y), (off+3)%16)
	copy(gx.s, x)
	copy(gy.s, y)
	got, want := BinaryCounts{1, 2, 3}, BinaryCounts{1, 2, 3}
	tr.confusionBin(gx.s, gy.s, thr, &got)
	confusionBinaryGeneric(x, y, thr, &want)
	gx.check(t, "x")
	gy.check(t, "y")
	if got != want {
		t.Fatalf("%s binary confusion n=%d thr=%v: %+v, generic %+v", tr.name, len(x), thr, got, want)
	}
}

func TestConfusionBinaryTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(43, 44))
		for _, n := range lengths() {
			for off := 0; off < 16; off += 5 {
				x, y := randLogits(r, n, 2, true), randTargets(r, n)
				for i := range y {
					if r.IntN(10) == 0 {
						y[i] = specials[r.IntN(len(specials))]
					}
				}
				for _, thr := range []float32{0, 0.5, -1.2} {
					checkConfusionBin(t, tr, x, y, thr, off)
				}
			}
		}
		if haveGuardPages {
			for _, n := range lengths() {
				x, y := guardF32(t, randLogits(r, n, 2, false)), guardF32(t, randTargets(r, n))
				var c BinaryCounts
				tr.confusionBin(x, y, 0, &c)
				l8 := make([]uint8, n)
				tp, fp, fn := make([]int64, 3), make([]int64, 3), make([]int64, 3)
				if n%3 == 0 && n > 0 {
					S := n / 3
					tr.confusionU8(guardF32(t, randLogits(r, 3*S, 1, false)), S, 3, 0, S, guardU8(t, l8[:S]), 255, true, tp, fp, fn)
				}
			}
		}
	})
}

func FuzzConfusion(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, cb, opt uint8) {
		C := 1 + int(cb)%8
		x := floatsOf(b)
		S := len(x) / C
		if S == 0 {
			return
		}
		r := rand.New(rand.NewPCG(uint64(len(b)), uint64(opt)))
		for _, tr := range asmTiers() {
			im := newSoftmaxImage[uint8](r, C, S, 0, S, int(opt)%16, 255, opt&1 != 0, false)
			copy(im.x.s, x)
			checkConfusion(t, tr, im, 255, opt&1 != 0)
			h := len(x) / 2
			checkConfusionBin(t, tr, x[:h], x[h:2*h], float32(opt)/50-1, int(opt)%16)
		}
	})
}
