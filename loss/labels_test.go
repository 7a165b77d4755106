package loss

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestCheckLabelsU8 compares the eight-at-a-time check of uint8 labels with
// a plain scan, for every C up to 129, with and without an ignore index,
// at lengths around the 32-label step and with one bad label at several
// positions.
func TestCheckLabelsU8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	plain := func(l []uint8, C int, ign IgnoreIndex) int {
		for i, v := range l {
			if int(v) >= C && !(ign.set && int32(v) == ign.label) {
				return i
			}
		}
		return -1
	}
	for C := 1; C <= 129; C++ {
		for _, ign := range []IgnoreIndex{{}, Ignore(255), Ignore(0), Ignore(C), Ignore(C - 1), Ignore(-100), Ignore(300)} {
			for _, n := range []int{0, 1, 7, 8, 31, 32, 33, 64, 77} {
				l := make([]uint8, n)
				for i := range l {
					l[i] = uint8(r.IntN(C))
					if ign.set && ign.label >= 0 && ign.label < 256 && r.IntN(4) == 0 {
						l[i] = uint8(ign.label)
					}
				}
				check := func(l []uint8) {
					want := plain(l, C, ign)
					err := checkLabels(U8(l), C, ign)
					if ign.set && (ign.v < 0 || ign.v > 255) {
						// Such an index never matches a uint8 label: the
						// call is told so, whatever the labels.
						if !errors.Is(err, ErrOption) {
							t.Fatalf("C=%d ignore=%v: error %v, want ErrOption", C, ign, err)
						}
						return
					}
					if (err == nil) != (want < 0) || (err != nil && !errors.Is(err, ErrLabel)) {
						t.Fatalf("C=%d ignore=%v %v: error %v, first bad label at %d", C, ign, l, err, want)
					}
				}
				check(l)
				if n == 0 {
					continue
				}
				for _, pos := range []int{0, n / 2, n - 1, r.IntN(n)} {
					m := append([]uint8(nil), l...)
					for _, v := range []int{C, C + 1, 127, 128, 200, 255} {
						if v > 255 {
							continue
						}
						m[pos] = uint8(v)
						check(m)
					}
				}
			}
		}
	}
}
