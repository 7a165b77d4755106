package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortDesc: every length up to 300 and some large ones, random floats
// of both signs, ties, zeros of both signs, infinities: the order is
// descending and stable (ties keep their input order), as the
// specification slices.SortStableFunc gives.
func TestSortDesc(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	lengths := []int{}
	for n := 1; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 4095, 4096, 70000)
	for _, n := range lengths {
		f := make([]float32, n)
		for i := range f {
			switch r.IntN(8) {
			case 0:
				f[i] = float32(r.IntN(3)) // ties
			case 1:
				f[i] = float32(math.Copysign(0, -1))
			case 2:
				f[i] = float32(math.Inf(1 - 2*r.IntN(2)))
			default:
				f[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
			}
		}
		keys := make([]uint32, n)
		idx := make([]int32, n)
		keys64 := make([]uint64, n)
		idx64 := make([]int32, n)
		for i, v := range f {
			keys[i], idx[i] = SortKey(v), int32(i)
			keys64[i], idx64[i] = SortKey64(float64(v)), int32(i)
		}
		SortDesc(keys, idx, make([]uint32, n), make([]int32, n))
		SortDesc(keys64, idx64, make([]uint64, n), make([]int32, n))
		if !slices.Equal(idx, idx64) {
			t.Fatalf("n %d: the 64-bit sort orders differently", n)
		}
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int {
			x, y := f[a], f[b]
			if x == 0 && y == 0 {
				return 0 // -0 and +0 are equal
			}
			switch {
			case x > y:
				return -1
			case x < y:
				return 1
			}
			return 0
		})
		for i := range want {
			// -0 and +0 get different keys; compare the floats and the
			// stability among equal keys.
			if f[idx[i]] != f[want[i]] {
				t.Fatalf("n %d: position %d holds %v, want %v", n, i, f[idx[i]], f[want[i]])
			}
			if keys[i] != SortKey(f[idx[i]]) {
				t.Fatalf("n %d: key %d does not go with its index", n, i)
			}
			if i > 0 && keys[i] == keys[i-1] && idx[i] < idx[i-1] {
				t.Fatalf("n %d: not stable at %d", n, i)
			}
		}
	}
}

// TestSortPacked: every length up to 300 and some large ones (past the
// insertion sort, with passes skipped and not), high halves drawn from
// few values (long ties), from one digit's range only, from SortKey of
// floats with NaNs, infinities and zeros of both signs, uniform, and all
// equal but one (a pass that must not be skipped): the
// result is the specification slices.SortStableFunc on the high halves,
// word for word (the low halves hold the input position, so stability is
// checked too), and the input is a permutation of the result.
func TestSortPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	lengths := []int{}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 2047, 2048, 2049, 70000)
	var outlier int // the one position kind 6 gives another key
	kinds := []func() uint32{
		func() uint32 { return uint32(r.IntN(3)) << 30 },            // few values, top digit only
		func() uint32 { return uint32(r.IntN(5)) },                  // low digit only
		func() uint32 { return uint32(r.IntN(4))<<11 | 0xABC00000 }, // middle digit only
		func() uint32 { return r.Uint32() },
		func() uint32 { return 7 }, // every pass skipped
		func() uint32 {
			switch r.IntN(6) {
			case 0:
				return SortKey(float32(math.NaN()))
			case 1:
				return SortKey(float32(math.Inf(1 - 2*r.IntN(2))))
			case 2:
				return SortKey(float32(math.Copysign(0, float64(1-2*r.IntN(2)))))
			}
			return SortKey(r.Float32())
		},
		func() uint32 { // one word unlike the others, in one digit or more
			outlier--
			if outlier == -1 {
				return 0x12345678 ^ []uint32{1 << 3, 1 << 13, 1 << 25, 0xffffffff}[r.IntN(4)]
			}
			return 0x12345678
		},
	}
	for _, n := range lengths {
		for ki, key := range kinds {
			a := make([]uint64, n)
			outlier = r.IntN(n + 1)
			for i := range a {
				// A flag in bit 31, the position below it.
				a[i] = uint64(key())<<32 | uint64(r.IntN(2))<<31 | uint64(i)
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y uint64) int { return cmpU32(uint32(x>>32), uint32(y>>32)) })
			tmp := make([]uint64, n+r.IntN(3))
			got := SortPacked(a, tmp)
			if len(got) != n {
				t.Fatalf("n %d kind %d: %d words back", n, ki, len(got))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("n %d kind %d: not the stable order", n, ki)
			}
			if n > 0 && &got[0] != &a[0] && &got[0] != &tmp[0] {
				t.Fatalf("n %d kind %d: result in neither buffer", n, ki)
			}
		}
	}
}

func cmpU32(x, y uint32) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// TestSortPackedAllocs: SortPacked allocates nothing.
func TestSortPackedAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	a := make([]uint64, 5000)
	tmp := make([]uint64, len(a))
	if n := testing.AllocsPerRun(10, func() {
		for i := range a {
			a[i] = r.Uint64()
		}
		SortPacked(a, tmp)
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
