package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The harness every assembly test uses: the tiers to test, slices with NaN
// guards around them at odd offsets, and float comparisons.

// guardBits is the NaN written around every slice; a kernel that reads a
// guard turns a result into NaN, one that writes past its slice changes it.
const guardBits = 0x7fa5a5a5

// asmTiers returns the tiers other than generic this CPU runs.
func asmTiers() []*tier {
	var ts []*tier
	for _, t := range tiers {
		if t != genericTier {
			ts = append(ts, t)
		}
	}
	return ts
}

// forTiers runs f for every assembly tier, with that tier active.
func forTiers(t *testing.T, f func(t *testing.T, tr *tier)) {
	t.Helper()
	ts := asmTiers()
	if len(ts) == 0 {
		t.Skip("no assembly tier on this CPU or build")
	}
	prev := Active()
	defer Use(prev)
	for _, tr := range ts {
		t.Run(tr.name, func(t *testing.T) {
			if err := Use(tr.name); err != nil {
				t.Fatal(err)
			}
			f(t, tr)
		})
	}
}

// guarded is a slice of n elements at offset off of a buffer filled with
// guards.
type guarded[T any] struct {
	buf   []T
	off   int
	s     []T
	guard T
}

func newGuarded[T any](n, off int, guard T) *guarded[T] {
	buf := make([]T, off+n+17)
	for i := range buf {
		buf[i] = guard
	}
	return &guarded[T]{buf: buf, off: off, s: buf[off : off+n : off+n], guard: guard}
}

func nanGuard() float32 { return math.Float32frombits(guardBits) }

func newF32(n, off int) *guarded[float32] { return newGuarded(n, off, nanGuard()) }

// check reports a write outside the slice.
func (g *guarded[T]) check(t *testing.T, name string) {
	t.Helper()
	eq := func(a, b T) bool {
		switch a := any(a).(type) {
		case float32:
			return math.Float32bits(a) == math.Float32bits(any(b).(float32))
		}
		return any(a) == any(b)
	}
	for i, v := range g.buf {
		if (i < g.off || i >= g.off+len(g.s)) && !eq(v, g.guard) {
			t.Fatalf("%s: guard at %d (slice [%d, %d)) overwritten with %v", name, i, g.off, g.off+len(g.s), v)
		}
	}
}

// ord maps float32 bits to integers in the order of the floats.
func ord(f float32) int64 {
	b := int64(math.Float32bits(f))
	if b&(1<<31) != 0 {
		return -(b &^ (1 << 31))
	}
	return b
}

// ulpDiff returns the number of float32 values between a and b (0 when both
// are NaN, +Inf when only one is).
func ulpDiff(a, b float32) float64 {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an || bn:
		return math.Inf(1)
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return float64(d)
}

// close32 reports whether got is within tol*scale of want, NaN matching NaN
// and infinities matching exactly.
func close32(got, want, tol float32, scale float64) bool {
	if got != got || want != want {
		return got != got && want != want
	}
	if math.IsInf(float64(want), 0) || math.IsInf(float64(got), 0) {
		return got == want
	}
	return math.Abs(float64(got)-float64(want)) <= float64(tol)*scale
}

// specials are the values every input mixes in.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(1), -math.Float32frombits(1), math.Float32frombits(0x007fffff), 0x1p-126,
	88, -88, 88.72283935546875, 88.72284, -87.33654, -87.3365478515625, -87.33655, 89, -89, 1e4, -1e4,
	math.MaxFloat32, -math.MaxFloat32, 0.5, 2, 1e-8, -1e-8, 15, -15, 30, -30,
}

// randLogits returns n values: mostly normal logits of scale sc, with a
// fraction of special values when special is set.
func randLogits(r *rand.Rand, n int, sc float32, special bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch {
		case special && r.IntN(8) == 0:
			v[i] = specials[r.IntN(len(specials))]
		case r.IntN(16) == 0:
			v[i] = sc * 10 * float32(r.NormFloat64())
		default:
			v[i] = sc * float32(r.NormFloat64())
		}
	}
	return v
}

// lengths are the slice lengths every primitive is tested at: every length
// up to two vectors of the widest tier plus one, and a few large ones
// around BlockSize.
func lengths() []int {
	var ls []int
	for n := 0; n <= 2*16+1; n++ {
		ls = append(ls, n)
	}
	return append(ls, 63, 64, 65, 255, BlockSize-1, BlockSize, BlockSize+1, 3*BlockSize+17)
}

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }
