package distance

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteWeightMap is WeightMap at unit spacing in 2-D from its definition:
// each instance's distances, exact, over its box grown by the reach, from
// its pixels whose offset along x is within the reach (the capped first
// pass); the two smallest per pixel; then the weights.
func bruteWeightMap(inst []int32, h, w int, opt *WeightOptions) []float32 {
	w0, sigma := opt.W0, opt.Sigma
	if w0 == 0 {
		w0 = 10
	}
	if sigma == 0 {
		sigma = 5
	}
	reach := sigma * windowExponent
	n := h * w
	type px struct{ y, x int }
	pix := map[int32][]px{}
	var order []int32
	fg := 0
	for i, v := range inst {
		if v > 0 {
			fg++
			if pix[v] == nil {
				order = append(order, v)
			}
			pix[v] = append(pix[v], px{i / w, i % w})
		}
	}
	inf := float32(math.Inf(1))
	d1, d2 := make([]float32, n), make([]float32, n)
	for i := range d1 {
		d1[i], d2[i] = inf, inf
	}
	if len(order) >= 2 {
		g := int(math.Ceil(reach)) + 1
		for _, id := range order {
			ps := pix[id]
			y0, y1, x0, x1 := h, 0, w, 0
			for _, p := range ps {
				y0, y1, x0, x1 = min(y0, p.y), max(y1, p.y+1), min(x0, p.x), max(x1, p.x+1)
			}
			if reach >= float64(h) {
				y0, y1 = 0, h
			} else {
				y0, y1 = max(0, y0-g), min(h, y1+g)
			}
			if reach >= float64(w) {
				x0, x1 = 0, w
			} else {
				x0, x1 = max(0, x0-g), min(w, x1+g)
			}
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					best := -1
					for _, p := range ps {
						dx, dy := x-p.x, y-p.y
						if float64(float32(dx*dx)) > reach*reach {
							continue
						}
						if d := dx*dx + dy*dy; best < 0 || d < best {
							best = d
						}
					}
					d := inf
					if best >= 0 {
						d = float32(math.Sqrt(float64(best)))
					}
					i := y*w + x
					if d < d1[i] {
						d1[i], d2[i] = d, d1[i]
					} else if d < d2[i] {
						d2[i] = d
					}
				}
			}
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
		if !opt.NoBorder && (c == 0 || opt.AllPixels) && !math.IsInf(float64(d2[i]), 1) {
			s := float64(d1[i]) + float64(d2[i])
			wt += w0 * math.Exp(k*s*s)
		}
		out[i] = float32(wt)
	}
	return out
}

// TestWeightMapBrute: WeightMap (instance boxes found run by run, masks
// and the two smallest without branches) is, bit for bit, its definition
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
		want := bruteWeightMap(inst, h, w, opt)
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
