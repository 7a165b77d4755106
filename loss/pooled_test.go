package loss

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
)

// TestPooledSmallImages: Forward and Backward of small images (S below
// poolMaxS) gather whole images into one kernel call; their value and
// gradient must equal, within float64 and float32 rounding, those of the
// per-image passes of Accumulate, Value and Gradient (which keep one Stats
// entry per image), and be bit-identical for any worker count.
func TestPooledSmallImages(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 1))
	eachTierLong(t, func(t *testing.T) {
		for _, shp := range []Shape{{3000, 3, 1}, {70, 4, 9}, {300, 2, 63}, {5, 21, 1}, {50000, 3, 1}, {3000, 4, 17}} {
			sh := shp
			x := randLogits(r, sh.Len(), 3)
			lab := make([]uint8, sh.N*sh.S)
			for i := range lab {
				lab[i] = uint8(r.IntN(sh.C))
				if r.IntN(15) == 0 {
					lab[i] = 255
				}
			}
			y := make([]float32, sh.Len())
			for i := range y {
				y[i] = float32(r.IntN(2))
			}
			mcs, bns := mcCases(sh.C), bnCases(sh.C)
			names := make([]string, 0, len(mcs))
			for k := range mcs {
				names = append(names, k)
			}
			sort.Strings(names)
			big := sh.Len() > minParallel
			for _, name := range names {
				if big && testing.Short() && !shortCases[name] {
					continue
				}
				m := *mcs[name]
				if m.Ignore == (IgnoreIndex{}) {
					m.Ignore = Ignore(255)
				}
				where := fmt.Sprintf("%v %s", sh, name)
				checkPooled(t, where, sh, x,
					func(ws *Workspace, w int, g []float32) (float64, error) {
						m.Workers = w
						if g == nil {
							return m.Forward(ws, x, U8(lab), sh)
						}
						return m.Backward(ws, x, U8(lab), sh, g)
					},
					func(ws *Workspace, st *Stats, g []float32) (float64, error) {
						m.Workers = 1
						if err := m.Accumulate(ws, st, x, U8(lab), sh, 0); err != nil {
							return 0, err
						}
						return m.Gradient(ws, st, x, U8(lab), sh, 0, g)
					})
			}
			names = names[:0]
			for k := range bns {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, name := range names {
				if big && testing.Short() && !shortCases[name] {
					continue
				}
				b := *bns[name]
				where := fmt.Sprintf("%v binary %s", sh, name)
				checkPooled(t, where, sh, x,
					func(ws *Workspace, w int, g []float32) (float64, error) {
						b.Workers = w
						if g == nil {
							return b.Forward(ws, x, y, sh)
						}
						return b.Backward(ws, x, y, sh, g)
					},
					func(ws *Workspace, st *Stats, g []float32) (float64, error) {
						b.Workers = 1
						if err := b.Accumulate(ws, st, x, y, sh, 0); err != nil {
							return 0, err
						}
						return b.Gradient(ws, st, x, y, sh, 0, g)
					})
			}
		}
	})
}

// shortCases are the cases the parallel shapes run with -short (the race
// detector, the emulated arm64 run).
var shortCases = map[string]bool{"ce": true, "everything": true, "combined": true, "bce_dice": true, "all": true}

func checkPooled(t *testing.T, where string, sh Shape, x []float32,
	run func(ws *Workspace, workers int, g []float32) (float64, error),
	perImage func(ws *Workspace, st *Stats, g []float32) (float64, error)) {
	t.Helper()
	var ws Workspace
	var st Stats
	if err := st.Reset(sh.N, sh.C); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, sh.Len())
	wv, err := perImage(&ws, &st, want)
	if errors.Is(err, ErrRange) && math.IsInf(wv, 1) {
		// -log(0) of a class with no overlap and no smoothing: both
		// infinite, and neither writes a gradient.
		v, err := run(&ws, 1, make([]float32, sh.Len()))
		if !errors.Is(err, ErrRange) || v != wv {
			t.Fatalf("%s: pooled %v, %v; per-image passes %v, ErrRange", where, v, err, wv)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	fv, err := run(&ws, 1, nil)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	g1 := make([]float32, sh.Len())
	v1, err := run(&ws, 1, g1)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if fv != v1 {
		t.Fatalf("%s: Forward %v, Backward %v", where, fv, v1)
	}
	if !closeRel(v1, wv, 2e-6, 1e-9) {
		t.Fatalf("%s: pooled value %v, per-image passes %v", where, v1, wv)
	}
	compareGrads(t, g1, want)
	g2 := make([]float32, sh.Len())
	v2, err := run(&ws, 3, g2)
	if i := sameBits(g1, g2); err != nil || v2 != v1 || i >= 0 {
		t.Fatalf("%s: 3 workers: %v (%v) vs %v, first gradient element that differs: %d", where, v2, err, v1, i)
	}
}

// TestPooledMemory: a batch of a million one-pixel images allocates about
// what one image of a million pixels does, not per-image state (it took
// 29 times the logits).
func TestPooledMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 1 << 20
	r := rand.New(rand.NewPCG(18, 1))
	x := randLogits(r, 4*n, 2)
	lab := make([]uint8, n)
	for i := range lab {
		lab[i] = uint8(r.IntN(4))
	}
	y := make([]float32, len(x))
	g := make([]float32, len(x))
	sh := Shape{N: n, C: 4, S: 1}
	for _, c := range []struct {
		name string
		f    func(ws *Workspace) error
	}{
		{"CE + Dice", func(ws *Workspace) error {
			_, err := CombinedLoss(0.5, 0.5).Backward(ws, x, U8(lab), sh, g)
			return err
		}},
		{"CE", func(ws *Workspace) error {
			_, err := (&Multiclass{Terms: []Weighted{{1, &CrossEntropy{}}}}).Backward(ws, x, U8(lab), sh, g)
			return err
		}},
		{"BCE + Dice", func(ws *Workspace) error {
			_, err := (&Binary{Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}}).Backward(ws, x, y, sh, g)
			return err
		}},
	} {
		var ws Workspace
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		if err := c.f(&ws); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		got := b.TotalAlloc - a.TotalAlloc
		if got > uint64(len(x))*4/2 {
			t.Errorf("%s on %v: the first call allocated %d bytes, more than half the logits (%d bytes)", c.name, sh, got, len(x)*4)
		}
		t.Logf("%s on %v: %d bytes allocated by the first call", c.name, sh, got)
	}
}
