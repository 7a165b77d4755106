package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/segloss/segloss/distance"
)

// Sample is one synthetic microscopy image with its labels.
type Sample struct {
	Side  int
	Image []float32 // Side*Side, normalised to mean 0 and standard deviation 1
	Raw   []float32 // the image before normalisation, for the pictures
	Label []uint8   // 0 background, 1 cell
	// Instances holds one id per cell (1..Cells), 0 on background.
	Instances []int32
	Cells     int
	// Gap marks the background pixels that separate two cells: those with
	// pixels of two different cells within 2 pixels (Euclidean).
	Gap []bool
	// Weights is U-Net's border weight map of the instances
	// (distance.WeightMap, w0 = 10, sigma = 5, balanced class weights).
	Weights []float32
	// Phi holds the signed distance maps of both classes
	// (distance.SignedMaps), 2*Side*Side, for the boundary loss.
	Phi []float32
}

// cell is one cell of an image: an ellipse (semi-axes a, b, angle th)
// whose radius is modulated by a few harmonics (a blob when they are
// nonzero), and its brightness.
type cell struct {
	y, x, a, b, th float64
	harm           [3]struct{ amp, ph float64 }
	bright         float64
}

// rmean is the cell's mean radius.
func (c *cell) rmean() float64 { return math.Sqrt(c.a * c.b) }

// dist is an approximate signed distance in pixels from (y, x) to the
// cell's boundary (negative inside): the elliptical radius relative to the
// boundary's radius in that direction, minus 1, times the mean radius.
func (c *cell) dist(y, x float64) float64 {
	dy, dx := y-c.y, x-c.x
	s, co := math.Sincos(c.th)
	u, v := dx*co+dy*s, -dx*s+dy*co
	rho := math.Hypot(u/c.a, v/c.b)
	phi := math.Atan2(v/c.b, u/c.a)
	r := 1.0
	for k, h := range c.harm {
		r += h.amp * math.Cos(float64(k+2)*phi+h.ph)
	}
	return (rho/r - 1) * c.rmean()
}

// mapsTime accumulates the time genImage spends on the weight maps and
// signed maps (package distance).
var mapsTime time.Duration

// genImage draws image index idx of a data set of the given seed: the
// image depends on (seed, idx, side) only.
func genImage(seed uint64, idx, side int) (*Sample, error) {
	r := rand.New(rand.NewPCG(seed, uint64(idx)*0x9e3779b97f4a7c15+uint64(side)))
	n := side * side
	fs := float64(side)
	// Cells: clusters grown by placing each new cell against an existing
	// one (centre distance 0.8-0.98 of the radii's sum, so they overlap and
	// touch), with some cells on their own; until the union reaches a
	// target foreground fraction.
	target := 0.34 + 0.10*r.Float64()
	gap := 1.0 + 1.2*r.Float64() // width of the background line between touching cells
	var cells []cell
	newCell := func() cell {
		a := 4.5 + 7.5*r.Float64()*r.Float64()*1.4
		a = math.Min(a, 12)
		e := 1 + 0.6*r.Float64()
		c := cell{a: a * math.Sqrt(e), b: a / math.Sqrt(e), th: math.Pi * r.Float64(), bright: 0.55 + 0.45*r.Float64()}
		if r.Float64() < 0.6 { // a blob
			for k := range c.harm {
				c.harm[k].amp = (0.02 + 0.08*r.Float64()) / float64(k+1)
				c.harm[k].ph = 2 * math.Pi * r.Float64()
			}
		}
		return c
	}
	area := 0.0
	for tries := 0; area < target*fs*fs && tries < 4000; tries++ {
		c := newCell()
		if len(cells) == 0 || r.Float64() < 0.12 {
			c.y, c.x = fs*r.Float64(), fs*r.Float64()
		} else {
			o := cells[r.IntN(len(cells))]
			ang := 2 * math.Pi * r.Float64()
			d := (o.rmean() + c.rmean()) * (0.8 + 0.18*r.Float64())
			c.y, c.x = o.y+d*math.Sin(ang), o.x+d*math.Cos(ang)
		}
		if c.y < -2 || c.x < -2 || c.y > fs+2 || c.x > fs+2 {
			continue
		}
		ok := true
		for _, o := range cells {
			if math.Hypot(c.y-o.y, c.x-o.x) < 0.75*(o.rmean()+c.rmean()) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		cells = append(cells, c)
		area += math.Pi * c.a * c.b * 0.93 // less the overlaps and gaps
	}
	if len(cells) < 1 {
		return nil, fmt.Errorf("data: image %d: only %d cells", idx, len(cells))
	}

	// Rasterise: a pixel belongs to its nearest cell (smallest distance
	// d1) when inside it, unless the second nearest is almost as near (d2 -
	// d1 < gap): there it is background, a thin line between touching cells.
	s := &Sample{Side: side, Image: make([]float32, n), Raw: make([]float32, n), Label: make([]uint8, n),
		Instances: make([]int32, n), Gap: make([]bool, n)}
	clean := make([]float64, n)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			py, px := float64(y)+0.5, float64(x)+0.5
			d1, d2, near := math.Inf(1), math.Inf(1), -1
			for i := range cells {
				c := &cells[i]
				if math.Abs(py-c.y) > 2*c.a+4 || math.Abs(px-c.x) > 2*c.a+4 {
					continue
				}
				d := c.dist(py, px)
				if d < d1 {
					d1, d2, near = d, d1, i
				} else if d < d2 {
					d2 = d
				}
			}
			i := y*side + x
			if near >= 0 && d1 < 0 && d2-d1 >= gap {
				s.Instances[i] = int32(near + 1)
				c := &cells[near]
				// Brighter towards the middle, a darker rim.
				depth := math.Min(1, -d1/c.rmean())
				clean[i] = c.bright * (0.7 + 0.3*depth)
			}
		}
	}
	// Number the cells that kept pixels 1..Cells in raster order.
	ids := map[int32]int32{}
	for i, v := range s.Instances {
		if v == 0 {
			continue
		}
		id, ok := ids[v]
		if !ok {
			id = int32(len(ids) + 1)
			ids[v] = id
		}
		s.Instances[i] = id
		s.Label[i] = 1
	}
	s.Cells = len(ids)

	// Gap pixels: background with two different cells within 2 pixels.
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			if s.Label[y*side+x] != 0 {
				continue
			}
			var first int32
			for dy := -2; dy <= 2 && !s.Gap[y*side+x]; dy++ {
				for dx := -2; dx <= 2; dx++ {
					yy, xx := y+dy, x+dx
					if dy*dy+dx*dx > 4 || yy < 0 || xx < 0 || yy >= side || xx >= side {
						continue
					}
					if v := s.Instances[yy*side+xx]; v != 0 {
						if first == 0 {
							first = v
						} else if v != first {
							s.Gap[y*side+x] = true
							break
						}
					}
				}
			}
		}
	}

	// Image formation: background level, uneven illumination (a smooth
	// random field from 0.45 to 1 times the signal, plus an additive
	// gradient), a Gaussian blur of sigma 1.1 px and signal-dependent noise.
	var field [3]struct{ fy, fx, ph float64 }
	for k := range field {
		field[k].fy = (r.Float64()*2 - 1) * 1.5 * math.Pi / fs
		field[k].fx = (r.Float64()*2 - 1) * 1.5 * math.Pi / fs
		field[k].ph = 2 * math.Pi * r.Float64()
	}
	gy, gx := (r.Float64()*2-1)*0.15/fs, (r.Float64()*2-1)*0.15/fs
	img := make([]float64, n)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			f := 0.0
			for _, c := range field {
				f += math.Cos(c.fy*float64(y) + c.fx*float64(x) + c.ph)
			}
			illum := 0.45 + 0.55*(f/3+1)/2
			img[y*side+x] = illum*(0.1+clean[y*side+x]) + gy*float64(y) + gx*float64(x) + 0.1
		}
	}
	img = blur(img, side, 1.1)
	var mean, sq float64
	for i, v := range img {
		v += (0.025 + 0.05*math.Sqrt(math.Max(v, 0))) * r.NormFloat64()
		img[i] = v
		s.Raw[i] = float32(v)
		mean += v
	}
	mean /= float64(n)
	for _, v := range img {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(n))
	for i, v := range img {
		s.Image[i] = float32((v - mean) / sd)
	}

	t0 := time.Now()
	defer func() { mapsTime += time.Since(t0) }()
	shape := []int{side, side}
	s.Weights = make([]float32, n)
	if err := distance.WeightMap(s.Weights, s.Instances, shape, &distance.WeightOptions{W0: 10, Sigma: 5}); err != nil {
		return nil, err
	}
	s.Phi = make([]float32, 2*n)
	if err := distance.SignedMaps(s.Phi, s.Label, 1, 2, shape, nil); err != nil {
		return nil, err
	}
	return s, nil
}

// blur is a separable Gaussian blur of standard deviation sigma pixels,
// the border extended.
func blur(img []float64, side int, sigma float64) []float64 {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	var sum float64
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	clamp := func(v int) int { return min(max(v, 0), side-1) }
	tmp := make([]float64, len(img))
	out := make([]float64, len(img))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			var v float64
			for j, w := range k {
				v += w * img[y*side+clamp(x+j-rad)]
			}
			tmp[y*side+x] = v
		}
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			var v float64
			for j, w := range k {
				v += w * tmp[clamp(y+j-rad)*side+x]
			}
			out[y*side+x] = v
		}
	}
	return out
}

// Set is a list of samples.
type Set []*Sample

// makeSet draws the images first..first+n-1 of a seed.
func makeSet(seed uint64, first, n, side int) (Set, error) {
	s := make(Set, n)
	for i := range s {
		var err error
		if s[i], err = genImage(seed, first+i, side); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Stats returns the mean foreground and gap fractions and the mean number
// of cells per image.
func (s Set) Stats() (fg, gap, cells float64) {
	for _, x := range s {
		var f, g int
		for i, l := range x.Label {
			if l != 0 {
				f++
			}
			if x.Gap[i] {
				g++
			}
		}
		n := float64(len(x.Label))
		fg += float64(f) / n
		gap += float64(g) / n
		cells += float64(x.Cells)
	}
	k := float64(len(s))
	return fg / k, gap / k, cells / k
}
