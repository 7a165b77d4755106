package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// nearRow is a row of NearScan1/2's inputs: n voxels padded by pad.
type nearRow struct {
	n, pad    int
	f1, f2    []float32
	g1        []int32
	h1        []int32
	lim2, dsq []float32
	lim1      float32
	off       int // the inputs' offset into their buffers
	f1b, f2b  []float32
	g1b       []int32
}

// randNearRow draws a row: distances that are zeros, small integers,
// fractions or +Inf, ids from a few (so that many voxels share one), steps
// of spacing s up to steps (+Inf beyond a cap), limits around the steps'
// range (some negative, some NaN).
func randNearRow(r *rand.Rand, n, steps, extraPad, off int, s float64) *nearRow {
	pad := steps - 1 + extraPad
	m := n + 2*pad + 7
	inf := float32(math.Inf(1))
	row := &nearRow{n: n, pad: pad, off: off}
	row.f1b, row.f2b, row.g1b = make([]float32, off+m), make([]float32, off+m), make([]int32, off+m)
	row.f1, row.f2, row.g1 = row.f1b[off:], row.f2b[off:], row.g1b[off:]
	dist := func() float32 {
		switch u := r.Float64(); {
		case u < 0.15:
			return 0
		case u < 0.3:
			return inf
		case u < 0.5:
			return r.Float32() * 200
		}
		return float32(r.IntN(300))
	}
	ids := 1 + r.IntN(4)
	for i := range row.f1 {
		row.f1[i], row.f2[i], row.g1[i] = inf, inf, int32(r.IntN(ids+1))
		if i >= pad && i < pad+n {
			a, b := dist(), dist()
			row.f1[i], row.f2[i] = min(a, b), max(a, b)
		}
	}
	row.h1, row.lim2 = make([]int32, n), make([]float32, n)
	for y := range row.h1 {
		row.h1[y] = int32(r.IntN(ids + 1))
		switch u := r.Float64(); {
		case u < 0.1:
			row.lim2[y] = -1
		case u < 0.15:
			row.lim2[y] = float32(math.NaN())
		case u < 0.3:
			row.lim2[y] = inf
		default:
			row.lim2[y] = r.Float32() * float32(s*s) * float32(steps*steps)
		}
	}
	row.dsq = make([]float32, steps)
	EDTSquares(row.dsq, s)
	if steps > 2 && r.IntN(2) == 0 {
		row.dsq[steps-1] = inf // a cap
	}
	row.lim1 = []float32{inf, row.dsq[steps/2], 0, -1, float32(math.NaN())}[r.IntN(5)]
	return row
}

// bruteNear1 is NearScan1's definition: the least candidate over the
// steps whose square does not exceed lim1, the first id in the scan's
// order.
func bruteNear1(row *nearRow, y int) (float32, int32) {
	best, k := float32(math.Inf(1)), int32(0)
	for d, ds := range row.dsq {
		if ds > row.lim1 { // a NaN limits nothing
			break
		}
		for _, t := range []int{row.pad + y - d, row.pad + y + d} {
			if c := row.f1[t] + ds; c < best {
				best, k = c, row.g1[t]
			}
		}
	}
	return best, k
}

// bruteNear2 is NearScan2's definition.
func bruteNear2(row *nearRow, y int) float32 {
	best := float32(math.Inf(1))
	lim := row.lim2[y]
	for d, ds := range row.dsq {
		if ds > lim {
			break
		}
		for _, t := range []int{row.pad + y - d, row.pad + y + d} {
			c := row.f1[t]
			if row.g1[t] == row.h1[y] {
				c = row.f2[t]
			}
			best = min(best, c+ds)
		}
	}
	if !(best <= lim) {
		return float32(math.Inf(1))
	}
	return best
}

// runNear runs both scans on the active tier into guarded outputs and
// checks the guards.
func runNear(t *testing.T, row *nearRow, off int) ([]float32, []int32, []float32) {
	t.Helper()
	n := row.n
	o1b, h1b, o2b := newGuarded(n, off, float32(-3)), newGuarded(n, off, int32(-3)), newGuarded(n, off, float32(-3))
	if err := NearScan1(o1b.s, h1b.s, row.f1, row.g1, row.dsq, row.pad, n, row.lim1); err != nil {
		t.Fatal(err)
	}
	if err := NearScan2(o2b.s, row.f1, row.g1, row.f2, row.h1, row.lim2, row.dsq, row.pad, n); err != nil {
		t.Fatal(err)
	}
	o1b.check(t, "o1")
	o2b.check(t, "o2")
	h1b.check(t, "h1")
	return o1b.s, h1b.s, o2b.s
}

// TestNearScanDefinition: the generic scans against their definitions.
func TestNearScanDefinition(t *testing.T) {
	prev := Active()
	defer Use(prev)
	if err := Use("generic"); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 400; trial++ {
		row := randNearRow(r, r.IntN(60), 1+r.IntN(20), r.IntN(3), r.IntN(3), []float64{1, 0.7, 2.5}[trial%3])
		o1, h1, o2 := runNear(t, row, trial%4)
		for y := 0; y < row.n; y++ {
			w1, k := bruteNear1(row, y)
			if math.Float32bits(o1[y]) != math.Float32bits(w1) || h1[y] != k {
				t.Fatalf("trial %d y %d: d1 %v id %d, want %v id %d", trial, y, o1[y], h1[y], w1, k)
			}
			if w2 := bruteNear2(row, y); math.Float32bits(o2[y]) != math.Float32bits(w2) {
				t.Fatalf("trial %d y %d: d2 %v, want %v", trial, y, o2[y], w2)
			}
		}
	}
}

// TestNearScanTiers: every assembly tier against the generic one at every
// row length up to five vectors and some longer, every padding and
// unaligned starts, with guards around the outputs.
func TestNearScanTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(23, 24))
		for n := 0; n <= 5*8+1; n++ {
			for trial := 0; trial < 12; trial++ {
				steps := []int{1, 2, 5, 17, 40}[trial%5]
				row := randNearRow(r, n+[]int{0, 0, 0, 100}[trial%4]*(n%3), steps, trial%3, (n+trial)%4, []float64{1, 0.7, 2.5}[trial%3])
				if err := Use(tr.name); err != nil {
					t.Fatal(err)
				}
				o1, h1, o2 := runNear(t, row, trial%3)
				if err := Use("generic"); err != nil {
					t.Fatal(err)
				}
				w1, wh, w2 := runNear(t, row, 0)
				for y := range o1 {
					if math.Float32bits(o1[y]) != math.Float32bits(w1[y]) || h1[y] != wh[y] || math.Float32bits(o2[y]) != math.Float32bits(w2[y]) {
						t.Fatalf("n %d trial %d y %d: %v %d %v, generic %v %d %v", row.n, trial, y, o1[y], h1[y], o2[y], w1[y], wh[y], w2[y])
					}
				}
			}
		}
	})
}

// TestNearScanGuardPages: rows and outputs that end where an unreadable
// page begins.
func TestNearScanGuardPages(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(25, 26))
		for _, n := range []int{1, 7, 8, 9, 33, 200} {
			row := randNearRow(r, n, 9, 0, 0, 1)
			f1, f2, g1 := guardF32(t, row.f1), guardF32(t, row.f2), guardI32(t, row.g1)
			h1, lim2, dsq := guardI32(t, row.h1), guardF32(t, row.lim2), guardF32(t, row.dsq)
			o1, o2, oh := guardF32(t, make([]float32, n)), guardF32(t, make([]float32, n)), guardI32(t, make([]int32, n))
			if err := NearScan1(o1, oh, f1, g1, dsq, row.pad, n, row.lim1); err != nil {
				t.Fatal(err)
			}
			if err := NearScan2(o2, f1, g1, f2, h1, lim2, dsq, row.pad, n); err != nil {
				t.Fatal(err)
			}
			for y := 0; y < n; y++ {
				w1, k := bruteNear1(row, y)
				if o1[y] != w1 || oh[y] != k || math.Float32bits(o2[y]) != math.Float32bits(bruteNear2(row, y)) {
					t.Fatalf("n %d y %d: %v %d %v", n, y, o1[y], oh[y], o2[y])
				}
			}
		}
	})
}

// TestNearScanArgs: rows, paddings and outputs that do not fit are
// refused, on every tier, having written nothing.
func TestNearScanArgs(t *testing.T) {
	prev := Active()
	defer Use(prev)
	const n, pad = 10, 4
	m := n + 2*pad + 7
	f, g, dsq := make([]float32, m), make([]int32, m), make([]float32, pad+1)
	o, h, lim := make([]float32, n), make([]int32, n), make([]float32, n)
	for _, name := range Available() {
		if err := Use(name); err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct {
			o      []float32
			h      []int32
			f      []float32
			g      []int32
			dsq    []float32
			pad, n int
		}{
			{o, h, f[:m-1], g, dsq, pad, n},
			{o, h, f, g[:m-1], dsq, pad, n},
			{o[:n-1], h, f, g, dsq, pad, n},
			{o, h[:n-1], f, g, dsq, pad, n},
			{o, h, f, g, dsq, pad - 1, n},
			{o, h, f, g, nil, pad, n},
			{o, h, f, g, dsq, pad, -1},
			{o, h, f, g, dsq, math.MaxInt, n},
			{o, h, f, g, dsq, pad, math.MaxInt},
		} {
			e1 := NearScan1(c.o, c.h, c.f, c.g, c.dsq, c.pad, c.n, 1)
			e2 := NearScan2(c.o, c.f, c.g, c.f, c.h, lim, c.dsq, c.pad, c.n)
			if !errors.Is(e1, ErrArg) || !errors.Is(e2, ErrArg) {
				t.Fatalf("%s case %d: %v, %v; want ErrArg", name, i, e1, e2)
			}
		}
		if e := NearScan2(o, f, g, f, h, lim[:n-1], dsq, pad, n); !errors.Is(e, ErrArg) {
			t.Fatalf("%s: short lim2: %v", name, e)
		}
		for i := range o {
			if o[i] != 0 || h[i] != 0 {
				t.Fatalf("%s: a refused call wrote its output", name)
			}
		}
		if e1, e2 := NearScan1(o, h, f, g, dsq, pad, n, 1), NearScan2(o, f, g, f, h, lim, dsq, pad, n); e1 != nil || e2 != nil {
			t.Fatalf("%s: the valid calls gave %v, %v", name, e1, e2)
		}
	}
}

// FuzzNearScan compares every tier's scans with the generic ones on rows
// drawn from the input.
func FuzzNearScan(f *testing.F) {
	f.Add(uint64(1), uint8(9), uint8(5), uint8(0))
	f.Add(uint64(7), uint8(64), uint8(30), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, n, steps, sp uint8) {
		r := rand.New(rand.NewPCG(seed, uint64(n)))
		row := randNearRow(r, int(n), 1+int(steps%48), int(sp%3), int(sp/3%3), []float64{1, 0.7, 2.5, 0.1}[sp%4])
		prev := Active()
		defer Use(prev)
		if err := Use("generic"); err != nil {
			t.Fatal(err)
		}
		w1, wh, w2 := runNear(t, row, 0)
		for _, tr := range asmTiers() {
			if err := Use(tr.name); err != nil {
				t.Fatal(err)
			}
			o1, h1, o2 := runNear(t, row, 1)
			for y := range o1 {
				if math.Float32bits(o1[y]) != math.Float32bits(w1[y]) || h1[y] != wh[y] || math.Float32bits(o2[y]) != math.Float32bits(w2[y]) {
					t.Fatalf("%s y %d: %v %d %v, generic %v %d %v", tr.name, y, o1[y], h1[y], o2[y], w1[y], wh[y], w2[y])
				}
			}
		}
	})
}
