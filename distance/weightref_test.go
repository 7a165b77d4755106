package distance

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWeightMapBrute: WeightMap (the nearest two instances in one
// separable transform, windowed at the reach) is, bit for bit, its definition
// on random instances at unit spacing: blobs that touch, ids not in
// order, sigmas whose reach covers the image or not, AllPixels, class
// weights, 1 and 3 workers.
func TestWeightMapBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 40; trial++ {
		h, w := 8+r.IntN(60), 8+r.IntN(60)
		inst := make([]int32, h*w)
		for k := 0; k < 1+r.IntN(8); k++ {
			id := int32(1 + r.IntN(1000))
			cy, cx, rad := r.IntN(h), r.IntN(w), 1+r.IntN(8)
			for y := max(0, cy-rad); y < min(h, cy+rad+1); y++ {
				for x := max(0, cx-rad); x < min(w, cx+rad+1); x++ {
					if (y-cy)*(y-cy)+(x-cx)*(x-cx) <= rad*rad && r.IntN(10) > 0 {
						inst[y*w+x] = id
					}
				}
			}
		}
		opt := &WeightOptions{Sigma: []float64{0, 1, 2.5, 20}[r.IntN(4)], AllPixels: r.IntN(2) == 0}
		if r.IntN(3) == 0 {
			opt.ClassWeights = []float64{0.3, 1.7}
		}
		want := bruteWeightMapND(inst, []int{h, w}, []float64{1, 1}, opt)
		for _, wk := range []int{1, 3} {
			opt.Workers = wk
			got := make([]float32, h*w)
			if err := WeightMap(got, inst, []int{h, w}, opt); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d %dx%d sigma %v workers %d: pixel %d = %v, want %v", trial, h, w, opt.Sigma, wk, i, got[i], want[i])
				}
			}
		}
	}
}

// bruteWeightMapND is WeightMap (any shape, spacing, class weights) from
// its definition: each voxel's distances (float64) to every instance's voxels,
// the two smallest of distinct instances, and the border term where their
// sum (as float32 distances) is within the reach.
func bruteWeightMapND(inst []int32, shape []int, sp []float64, opt *WeightOptions) []float32 {
	w0, sigma := opt.W0, opt.Sigma
	if w0 == 0 {
		w0 = 10
	}
	if sigma == 0 {
		sigma = 5
	}
	reach := sigma * windowExponent
	n := len(inst)
	coord := func(i int) []float64 {
		c := make([]float64, len(shape))
		for a := len(shape) - 1; a >= 0; a-- {
			c[a] = float64(i%shape[a]) * sp[a]
			i /= shape[a]
		}
		return c
	}
	pts := map[int32][][]float64{}
	fg := 0
	for i, v := range inst {
		if v > 0 {
			fg++
			pts[v] = append(pts[v], coord(i))
		}
	}
	wc := [2]float64{}
	if opt.ClassWeights != nil {
		wc[0], wc[1] = opt.ClassWeights[0], opt.ClassWeights[1]
	} else {
		for c, k := range [2]int{n - fg, fg} {
			if k > 0 {
				wc[c] = float64(n) / (2 * float64(k))
			}
		}
	}
	out := make([]float32, n)
	k := -1 / (2 * sigma * sigma)
	for i, v := range inst {
		c := 0
		if v > 0 {
			c = 1
		}
		wt := wc[c]
		if !opt.NoBorder && (c == 0 || opt.AllPixels) {
			x := coord(i)
			d1, d2 := math.Inf(1), math.Inf(1)
			for _, ps := range pts {
				best := math.Inf(1)
				for _, p := range ps {
					s := 0.0
					for a := range p {
						s += (p[a] - x[a]) * (p[a] - x[a])
					}
					best = min(best, s)
				}
				if best < d1 {
					d1, d2 = best, d1
				} else if best < d2 {
					d2 = best
				}
			}
			if s := float64(float32(math.Sqrt(d1))) + float64(float32(math.Sqrt(d2))); s <= reach {
				wt += w0 * math.Exp(k*s*s)
			}
		}
		out[i] = float32(wt)
	}
	return out
}

// TestWeightMapBruteND: in 1-D, 2-D and 3-D, at unit and anisotropic
// spacing, for 1 and 3 workers, WeightMap (the nearest two in one
// separable transform: the sweeps of axis 0, the gathered middle passes,
// the outward scans and envelopes of the last) is its definition: bit for
// bit at unit spacing, within float32 rounding (and the reach's bound,
// w0·2^-30) otherwise.
func TestWeightMapBruteND(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	// The last ones: few instances in a wide background, so that runs of
	// one nearest id are long enough for the envelopes (the last pass's
	// and a middle axis's).
	big := [][]int{{100, 130}, {130, 100}, {12, 70, 9}, {9, 80, 14}}
	for trial := 0; trial < 30+len(big); trial++ {
		var shape []int
		if trial >= 30 {
			shape = big[trial-30]
		} else {
			shape = make([]int, 1+trial%3)
			for a := range shape {
				shape[a] = 3 + r.IntN([]int{90, 40, 19}[len(shape)-1])
			}
		}
		rank := len(shape)
		n := 1
		for _, d := range shape {
			n *= d
		}
		unit := trial%2 == 0
		sp := make([]float64, rank)
		for a := range sp {
			sp[a] = 1
			if !unit {
				sp[a] = []float64{0.5, 1, 2.5, 0.7}[r.IntN(4)]
			}
		}
		inst := make([]int32, n)
		blobs, size := 1+r.IntN(12), max(1, n/8)
		if trial >= 30 {
			blobs, size = 3, 30
		}
		for k := 0; k < blobs; k++ {
			id := int32(1 + r.IntN(50))
			c0 := r.IntN(n)
			for j := 0; j < 1+r.IntN(size); j++ {
				// A blob: a random walk from c0.
				inst[c0] = id
				c0 = (c0 + []int{1, n - 1, shape[rank-1], n - shape[rank-1]}[r.IntN(4)]) % n
			}
		}
		opt := &WeightOptions{Sigma: []float64{0, 1, 2.5, 8}[r.IntN(4)], AllPixels: r.IntN(2) == 0}
		if trial >= 30 {
			opt.Sigma = 8
		}
		if trial == 30 {
			// A row all object.
			for x := 0; x < shape[1]; x++ {
				inst[x] = 7
			}
			opt.AllPixels = false
		}
		want := bruteWeightMapND(inst, shape, sp, opt)
		for _, wk := range []int{1, 3} {
			opt.Workers, opt.Spacing = wk, sp
			got := make([]float32, n)
			if err := WeightMap(got, inst, shape, opt); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				ok := math.Float32bits(got[i]) == math.Float32bits(want[i])
				if !unit {
					ok = math.Abs(float64(got[i])-float64(want[i])) <= 2e-6*float64(want[i])+10*0x1p-30
				}
				if !ok {
					t.Fatalf("trial %d shape %v spacing %v sigma %v all %v workers %d: voxel %d = %v, want %v", trial, shape, sp, opt.Sigma, opt.AllPixels, wk, i, got[i], want[i])
				}
			}
		}
	}
}

// FuzzWeightMap: the weight map of any small image (1-D to 3-D, sizes 1 to
// 12, instance ids 0 to 4 from the bytes, spacing unit or drawn, sigma,
// AllPixels, 1 to 3 workers) is its definition, bruteWeightMapND: bit for
// bit at unit spacing, within float32 rounding (and the reach's bound)
// otherwise.
func FuzzWeightMap(f *testing.F) {
	f.Add([]byte{2, 5, 7, 0, 0, 1, 1, 0, 2, 2, 0, 0, 3})
	f.Add([]byte{3, 4, 5, 6, 1, 2, 1, 1, 1, 0, 0, 2, 0, 0, 0, 1, 4})
	f.Add([]byte{1, 12, 0, 3, 0, 1, 0, 0, 2, 2, 0, 1, 0, 0, 3, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func() int {
			if len(b) == 0 {
				return 0
			}
			v := int(b[0])
			b = b[1:]
			return v
		}
		rank := 1 + next()%3
		shape := make([]int, rank)
		n := 1
		for a := range shape {
			shape[a] = 1 + next()%12
			n *= shape[a]
		}
		opts := next()
		sp := make([]float64, rank)
		for a := range sp {
			sp[a] = 1
			if opts&1 != 0 {
				sp[a] = []float64{0.5, 1, 2.5, 0.7, 1.3}[next()%5]
			}
		}
		opt := &WeightOptions{Sigma: []float64{0, 0.3, 1, 2.5}[(opts>>1)&3], AllPixels: opts&8 != 0}
		opt.Workers = 1 + (opts>>4)%3
		opt.Spacing = sp
		inst := make([]int32, n)
		for i := range inst {
			inst[i] = int32(next() % 5)
		}
		want := bruteWeightMapND(inst, shape, sp, opt)
		got := make([]float32, n)
		if err := WeightMap(got, inst, shape, opt); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			ok := math.Float32bits(got[i]) == math.Float32bits(want[i])
			if opts&1 != 0 {
				ok = math.Abs(float64(got[i])-float64(want[i])) <= 2e-6*float64(want[i])+10*0x1p-30
			}
			if !ok {
				t.Fatalf("shape %v spacing %v sigma %v all %v workers %d: voxel %d = %v, want %v", shape, sp, opt.Sigma, opt.AllPixels, opt.Workers, i, got[i], want[i])
			}
		}
	})
}

// TestWeightMapWideReach: rows longer than the reach of a sigma whose
// window is over 128 pixels (nearScanReach), where the last pass takes the
// scalar scans and their envelopes on every tier, and one under it, where
// the assembly tiers scan eight pixels at once: the definition, bit for
// bit, at unit spacing.
func TestWeightMapWideReach(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	const h, w = 24, 420
	inst := make([]int32, h*w)
	for k := 0; k < 9; k++ {
		id := int32(1 + k)
		cy, cx, rad := r.IntN(h), r.IntN(w), 2+r.IntN(6)
		for y := max(0, cy-rad); y < min(h, cy+rad+1); y++ {
			for x := max(0, cx-rad); x < min(w, cx+rad+1); x++ {
				if (y-cy)*(y-cy)+(x-cx)*(x-cx) <= rad*rad {
					inst[y*w+x] = id
				}
			}
		}
	}
	for _, sigma := range []float64{25, 15} {
		for _, all := range []bool{false, true} {
			opt := &WeightOptions{Sigma: sigma, AllPixels: all}
			want := bruteWeightMapND(inst, []int{h, w}, []float64{1, 1}, opt)
			got := make([]float32, h*w)
			if err := WeightMap(got, inst, []int{h, w}, opt); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("sigma %v all %v: pixel %d = %v, want %v", sigma, all, i, got[i], want[i])
				}
			}
		}
	}
}
