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
