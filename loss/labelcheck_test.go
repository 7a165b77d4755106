package loss

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// slowBadI32 is the specification of anyBadI32: a label outside [0, C)
// that is not the ignore index.
func slowBadI32(l []int32, C int, ign IgnoreIndex) bool {
	for _, v := range l {
		if (v < 0 || int(v) >= C) && !(ign.set && v == ign.label) {
			return true
		}
	}
	return false
}

// TestAnyBadI32: the branch-free int32 label check agrees with the exact
// scan for one bad label at every position of every length up to 19, for
// the values around 0, C and the int32 limits, with and without an ignore
// index (negative, inside and above the range); C up to math.MaxInt.
func TestAnyBadI32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	specials := []int32{-1, 0, 1, 2, 3, 4, 5, 7, 8, math.MaxInt32, math.MinInt32, -100, 255, 256}
	Cs := []int{1, 2, 4, 5, 255, math.MaxInt32, math.MaxInt}
	if strconv.IntSize == 64 {
		// C of 2^31 and past 2^32, where a negative label as uint32 is below C
		sh := 31
		Cs = append(Cs, 1<<sh, 1<<(sh+1)+5)
	}
	for _, C := range Cs {
		for _, ign := range []IgnoreIndex{{}, Ignore(-100), Ignore(0), Ignore(C), Ignore(C + 3), Ignore(-1)} {
			for n := 0; n < 20; n++ {
				l := make([]int32, n)
				for i := range l {
					l[i] = int32(r.IntN(min(C, 1<<20)))
				}
				if got, want := anyBadI32(l, C, ign), slowBadI32(l, C, ign); got != want {
					t.Fatalf("C=%d ign=%+v n=%d clean: %v, want %v", C, ign, n, got, want)
				}
				for pos := 0; pos < n; pos++ {
					for _, v := range specials {
						old := l[pos]
						l[pos] = v
						if got, want := anyBadI32(l, C, ign), slowBadI32(l, C, ign); got != want {
							t.Fatalf("C=%d ign=%+v n=%d label %d at %d: %v, want %v", C, ign, n, v, pos, got, want)
						}
						l[pos] = old
					}
				}
			}
		}
	}
}
