//go:build !purego && linux && (amd64 || arm64)

package asm

import (
	"errors"
	"testing"
)

type softStatsFn func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) (uint32, error)
type softGradFn func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) error

// checkSoftBounds: the checks of a tier's probability-target entry points,
// case by case (each ErrArg, nothing touched: the slices that end at a
// guard page would fault), and valid calls that run (unless the CPU lacks
// the tier: ErrCPU) and return the targets' bits.
func checkSoftBounds(t *testing.T, name string, scrPer, gradScrPer int, stats softStatsFn, grad softGradFn) {
	const C, S = 3, 37
	x, y, dst := guardF32(t, C*S), guardF32(t, C*S), guardF32(t, C*S)
	tab, scr, out := make([]float32, 8*C), make([]float32, scrPer*C), make([]float32, 6*C+1)
	for i := range y {
		y[i] = 0.25
	}
	y[5] = 1.5
	for i, bad := range []struct {
		x, y, tab, scr, out, dst []float32
		S, lo, hi, C             int
	}{
		{x: x[1:]}, {y: y[1:]}, {tab: tab[1:]}, {scr: scr[1:]}, {out: out[1:]}, {dst: dst[1:]},
		{S: S + 1}, {S: 1 << 40}, {S: -1}, {lo: -1}, {lo: 5, hi: 4}, {hi: S + 1}, {C: 0}, {C: 1 << 31}, {C: C + 1},
	} {
		for _, def := range []struct {
			p *[]float32
			v []float32
		}{{&bad.x, x}, {&bad.y, y}, {&bad.tab, tab}, {&bad.scr, scr}, {&bad.out, out}, {&bad.dst, dst}} {
			if *def.p == nil {
				*def.p = def.v
			}
		}
		if bad.S == 0 {
			bad.S = S
		}
		if bad.hi == 0 && bad.lo == 0 {
			bad.hi = S
		}
		if bad.C == 0 && i != 12 {
			bad.C = C
		}
		_, err := stats(bad.x, bad.y, bad.S, bad.lo, bad.hi, bad.C, 29, bad.tab, bad.scr, 1, 0, bad.out)
		if i != 5 { // dst is the gradient's only
			wantArg(t, name+" stats", err)
		}
		if i == 3 { // the gradient's scratch is its own length
			bad.scr = scr[:gradScrPer*C-1]
		}
		if i != 4 { // out is the statistics' only
			wantArg(t, name+" grad", grad(bad.x, bad.y, bad.S, bad.lo, bad.hi, bad.C, 21, bad.tab, bad.scr, 1, 0, 1, bad.dst))
		}
	}
	bits, err := stats(x, y, S, 0, S, C, 29, tab, scr, 1, 0, out)
	if errors.Is(err, ErrCPU) {
		t.Skipf("%s: %v", name, err)
	}
	if err != nil || bits != 0x3fc00000 { // 1.5
		t.Fatalf("%s stats: bits %#x, error %v; want 0x3fc00000", name, bits, err)
	}
	if err := grad(x, y, S, 3, S, C, 21, tab, scr, 1, 0, 1, dst); err != nil {
		t.Fatalf("%s grad: %v", name, err)
	}
}
