package distance

import (
	"math/rand/v2"
	"testing"
)

// TestNonzeroBits checks the mask-to-bits packing at every length and
// offset against a byte loop, with every byte value.
func TestNonzeroBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]uint8, 200)
	for trial := 0; trial < 2000; trial++ {
		for i := range buf {
			buf[i] = 0
			if r.IntN(3) == 0 {
				buf[i] = uint8(r.IntN(256))
			}
		}
		off, n := r.IntN(8), r.IntN(80)
		row := buf[off : off+n]
		var want uint64
		for l := 0; l < n && l < 64; l++ {
			if row[l] != 0 {
				want |= 1 << l
			}
		}
		if got := nonzeroBits(row); got != want {
			t.Fatalf("len %d offset %d: %064b, want %064b (%v)", n, off, got, want, row)
		}
	}
	for v := 0; v < 256; v++ {
		for p := 0; p < 8; p++ {
			row := make([]uint8, 8)
			row[p] = uint8(v)
			want := uint64(0)
			if v != 0 {
				want = 1 << p
			}
			if got := nonzeroBits(row); got != want {
				t.Fatalf("byte %d at %d: %b, want %b", v, p, got, want)
			}
		}
	}
}

func TestTranspose64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 100; trial++ {
		var a, b [64]uint64
		for i := range a {
			a[i] = r.Uint64()
			if trial%3 == 0 {
				a[i] &= r.Uint64() & r.Uint64()
			}
		}
		b = a
		transpose64(&b)
		for i := 0; i < 64; i++ {
			for j := 0; j < 64; j++ {
				if (a[i]>>j)&1 != (b[j]>>i)&1 {
					t.Fatalf("bit %d of row %d is not bit %d of row %d", j, i, i, j)
				}
			}
		}
	}
}

// TestNextRun finds every run of random bit sets of every length up to 200
// against a bit loop.
func TestNextRun(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 200; n++ {
		for trial := 0; trial < 20; trial++ {
			b := make([]uint64, (n+63)/64+1)
			for i := 0; i < n; i++ {
				if r.IntN(4+trial%5) > 1 {
					b[i>>6] |= 1 << (i & 63)
				}
			}
			var want, got [][2]int
			for i := 0; i < n; {
				if b[i>>6]>>(i&63)&1 == 0 {
					i++
					continue
				}
				e := i
				for e < n && b[e>>6]>>(e&63)&1 != 0 {
					e++
				}
				want = append(want, [2]int{i, e})
				i = e
			}
			for q := 0; ; {
				q0, q1 := nextRun(b, q, n)
				if q0 >= n {
					break
				}
				got = append(got, [2]int{q0, q1})
				q = q1
			}
			if len(got) != len(want) {
				t.Fatalf("n %d: runs %v, want %v", n, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n %d: runs %v, want %v", n, got, want)
				}
			}
		}
	}
}
