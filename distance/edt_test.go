package distance

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteEDT is the definition: for each object voxel, the smallest
// Euclidean distance to a zero voxel (float64, O(n²)); +Inf without one.
func bruteEDT(mask []uint8, shape []int, sp []float64, squared bool) []float64 {
	n := len(mask)
	coords := func(i int) []int {
		c := make([]int, len(shape))
		for a := len(shape) - 1; a >= 0; a-- {
			c[a] = i % shape[a]
			i /= shape[a]
		}
		return c
	}
	var zeros [][]int
	for i, m := range mask {
		if m == 0 {
			zeros = append(zeros, coords(i))
		}
	}
	out := make([]float64, n)
	for i, m := range mask {
		if m == 0 {
			continue
		}
		ci := coords(i)
		best := math.Inf(1)
		for _, cz := range zeros {
			d := 0.0
			for a := range ci {
				x := float64(ci[a]-cz[a]) * sp[a]
				d += x * x
			}
			best = min(best, d)
		}
		if !squared {
			best = math.Sqrt(best)
		}
		out[i] = best
	}
	return out
}

func randMask(r *rand.Rand, n int, p float64) []uint8 {
	m := make([]uint8, n)
	for i := range m {
		if r.Float64() < p {
			m[i] = uint8(1 + r.IntN(255))
		}
	}
	return m
}

func TestEDTBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{{1}, {7}, {33}, {1, 1}, {5, 9}, {17, 3}, {16, 16}, {19, 21}, {3, 4, 5}, {9, 17, 6}, {2, 3, 2, 5}}
	for _, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		for trial := 0; trial < 6; trial++ {
			p := []float64{0.3, 0.7, 0.95, 1, 0, 0.99}[trial]
			mask := randMask(r, n, p)
			sp := make([]float64, len(shape))
			for a := range sp {
				sp[a] = 1
			}
			unit := trial%2 == 0
			if !unit {
				for a := range sp {
					sp[a] = []float64{0.5, 1, 2.5, 0.7, 1.3}[r.IntN(5)]
				}
			}
			for _, squared := range []bool{false, true} {
				for _, workers := range []int{1, 2, 3} {
					dst := make([]float32, n)
					opt := &Options{Spacing: sp, Workers: workers}
					var err error
					if squared {
						err = EDTSquared(dst, mask, shape, opt)
					} else {
						err = EDT(dst, mask, shape, opt)
					}
					if err != nil {
						t.Fatal(err)
					}
					want := bruteEDT(mask, shape, sp, squared)
					for i := range dst {
						w := want[i]
						got := float64(dst[i])
						if unit {
							if dst[i] != float32(w) {
								t.Fatalf("shape %v p %v squared %v: voxel %d = %v, want %v exactly", shape, p, squared, i, got, float32(w))
							}
							continue
						}
						if math.IsInf(w, 1) != math.IsInf(got, 1) || math.Abs(got-w) > 4e-7*w {
							t.Fatalf("shape %v spacing %v p %v squared %v: voxel %d = %v, want %v", shape, sp, p, squared, i, got, w)
						}
					}
				}
			}
		}
	}
}

func TestEDTBadInput(t *testing.T) {
	mask := make([]uint8, 6)
	dst := make([]float32, 6)
	cases := []struct {
		dst   []float32
		mask  []uint8
		shape []int
		opt   *Options
		want  error
	}{
		{dst, mask, nil, nil, ErrShape},
		{dst, mask, []int{2, 0, 3}, nil, ErrShape},
		{dst, mask, []int{-2, -3}, nil, ErrShape},
		{dst, mask, []int{1 << 40, 1 << 40}, nil, ErrShape},
		{dst, mask, []int{2, 4}, nil, ErrLength},
		{dst[:5], mask, []int{2, 3}, nil, ErrLength},
		{dst, mask, []int{2, 3}, &Options{Spacing: []float64{1}}, ErrSpacing},
		{dst, mask, []int{2, 3}, &Options{Spacing: []float64{1, 0}}, ErrSpacing},
		{dst, mask, []int{2, 3}, &Options{Spacing: []float64{-1, 1}}, ErrSpacing},
		{dst, mask, []int{2, 3}, &Options{Spacing: []float64{math.NaN(), 1}}, ErrSpacing},
		{dst, mask, []int{2, 3}, &Options{Spacing: []float64{1, math.Inf(1)}}, ErrSpacing},
	}
	for i, c := range cases {
		if err := EDT(c.dst, c.mask, c.shape, c.opt); !errors.Is(err, c.want) {
			t.Errorf("case %d: err = %v, want %v", i, err, c.want)
		}
	}
}
