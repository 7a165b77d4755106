package distance

import (
	"fmt"
	"math"
)

// WeightOptions are the settings of the U-Net border weight map. The zero
// value (or nil) is the paper's w0 = 10, sigma = 5, balanced class weights,
// unit spacing.
type WeightOptions struct {
	// W0 scales the border term; 0 means 10. Want finite and >= 0: a
	// negative value is an error. (To drop the border term, set
	// NoBorder.)
	W0 float64
	// Sigma is the border term's width in spacing units; 0 means 5. Want
	// finite and > 0.
	Sigma float64
	// NoBorder leaves out the border term: the map is w_c alone.
	NoBorder bool
	// ClassWeights are w_c for background (index 0) and object (index 1)
	// pixels; nil means balanced: w_c = S / (2 · S_c), S_c the pixels of
	// the class (the ClassWeights of package loss, scikit-learn's
	// "balanced"), a class with no pixel getting 0. Each finite and >= 0.
	ClassWeights []float64
	// AllPixels applies the border term to object pixels too, as the
	// paper's equation reads (there d1 = 0 and d2 is the distance to the
	// nearest other instance). By default it applies to background pixels
	// only, as the widely used ports of the paper do and its Fig. 3 shows.
	AllPixels bool
	// Options hold the spacing and the worker count of the distance
	// transforms.
	Options
}

// windowExponent is how far beyond an instance its distances are computed:
// the border term w0·exp(-(d1+d2)²/(2σ²)) is below w0·2^-30 once
// d1 + d2 > σ·sqrt(60·ln 2), so no instance farther than that from a pixel
// changes its weight by as much as float32 rounds.
var windowExponent = math.Sqrt(60 * math.Ln2)

// WeightMap writes into dst the weight map of U-Net (Ronneberger et al.
// 2015, eq. 2) for one image of instance labels (0: background, > 0: one
// id per instance, ids need not be contiguous):
//
//	w(x) = w_c(x) + w0 · exp(-(d1(x) + d2(x))² / (2σ²))
//
// d1 and d2 the distances (in spacing units) to the nearest and the second
// nearest instance. Each instance's distances are computed in its bounding
// box grown by σ·sqrt(60 ln 2) (6.45σ), the reach: beyond it the term is
// below w0·2^-30, and a pixel with fewer than two instances' boxes over it
// gets no border term (0); inside two boxes the term is added even where
// d1 + d2 exceeds the reach (a box's corners lie beyond it), values below
// w0·2^-30,
// so the cost grows with the instances' area, not with their number times
// the image. dst and instances have the length of shape's product;
// scratch of one such float32 buffer plus the largest box is allocated,
// and two more full-size buffers per worker beyond the first. Negative
// instance labels are an error wrapping ErrLabel. instances is not
// modified.
func WeightMap(dst []float32, instances []int32, shape []int, opt *WeightOptions) error {
	if opt == nil {
		opt = &WeightOptions{}
	}
	n, sp, err := checkVolume(shape, &opt.Options)
	if err != nil {
		return err
	}
	if len(instances) != n || len(dst) != n {
		return fmt.Errorf("%w: instances have %d elements and dst %d, want %d for shape %v", ErrLength, len(instances), len(dst), n, shape)
	}
	w0, sigma := opt.W0, opt.Sigma
	if w0 == 0 {
		w0 = 10
	}
	if sigma == 0 {
		sigma = 5
	}
	if !(w0 >= 0) || math.IsInf(w0, 1) {
		return fmt.Errorf("%w: W0 = %v, want a finite value >= 0", ErrOption, opt.W0)
	}
	if !(sigma > 0) || math.IsInf(sigma, 1) {
		return fmt.Errorf("%w: Sigma = %v, want a finite value > 0", ErrOption, opt.Sigma)
	}
	wc := [2]float64{}
	if opt.ClassWeights != nil {
		if len(opt.ClassWeights) != 2 {
			return fmt.Errorf("%w: %d class weights, want 2 (background, object)", ErrOption, len(opt.ClassWeights))
		}
		for i, v := range opt.ClassWeights {
			if !(v >= 0) || math.IsInf(v, 1) {
				return fmt.Errorf("%w: class weight %d = %v, want a finite value >= 0", ErrOption, i, v)
			}
			wc[i] = v
		}
	}
	var fg int
	for i, v := range instances {
		if v < 0 {
			return fmt.Errorf("%w: instance label %d at index %d, want >= 0", ErrLabel, v, i)
		}
		if v > 0 {
			fg++
		}
	}
	if opt.ClassWeights == nil {
		for c, k := range [2]int{n - fg, fg} {
			if k > 0 {
				wc[c] = float64(n) / (2 * float64(k))
			}
		}
	}
	border := !opt.NoBorder && w0 > 0
	// d1 lives in dst until the weights replace it, pixel by pixel; both
	// hold squared distances (the square roots of two per pixel, not of
	// every voxel of every instance's box).
	d1 := dst
	var d2 []float32
	if border {
		d2 = make([]float32, n)
		nearestTwo(d1, d2, instances, shape, sp, sigma*windowExponent, &opt.Options)
	}
	k := -1 / (2 * sigma * sigma)
	for i, v := range instances {
		c := 0
		if v > 0 {
			c = 1
		}
		w := wc[c]
		if border && (c == 0 || opt.AllPixels) && !math.IsInf(float64(d2[i]), 1) {
			// The distances as float32, as EDT gives them.
			s := float64(float32(math.Sqrt(float64(d1[i])))) + float64(float32(math.Sqrt(float64(d2[i]))))
			w += w0 * math.Exp(k*s*s)
		}
		dst[i] = float32(w)
	}
	return nil
}

// box is an instance's bounding box, [lo, hi) per axis.
type box struct{ lo, hi []int }

// nearestTwo writes the squared distances to the nearest and
// second-nearest instance within reach of every voxel (+Inf where there is
// none).
func nearestTwo(d1, d2 []float32, inst []int32, shape []int, sp []float64, reach float64, opt *Options) {
	inf := float32(math.Inf(1))
	for i := range d1 {
		d1[i], d2[i] = inf, inf
	}
	rank := len(shape)
	// Instance ids to dense indices, in order of first appearance.
	index := map[int32]int{}
	var boxes []box
	last, lastID := -1, int32(0) // the previous voxel's instance
	coord := make([]int, rank)   // of the row; the last axis is x
	width := shape[rank-1]
	for r := 0; r*width < len(inst); r++ {
		if r > 0 {
			advance(coord, shape, rank-1)
		}
		row := inst[r*width : (r+1)*width]
		for x := 0; x < len(row); {
			v := row[x]
			if v == 0 {
				x++
				continue
			}
			// A run [x, e) of one instance: its box grows once.
			e := x + 1
			for e < len(row) && row[e] == v {
				e++
			}
			coord[rank-1] = x
			k, ok := last, v == lastID
			if !ok {
				k, ok = index[v]
				if !ok {
					k = len(boxes)
					index[v] = k
					b := box{make([]int, rank), make([]int, rank)}
					for a := range coord {
						b.lo[a], b.hi[a] = coord[a], coord[a]+1
					}
					boxes = append(boxes, b)
				}
				last, lastID = k, v
			}
			b := boxes[k]
			for a, c := range coord[:rank-1] {
				b.lo[a] = min(b.lo[a], c)
				b.hi[a] = max(b.hi[a], c+1)
			}
			b.lo[rank-1] = min(b.lo[rank-1], x)
			b.hi[rank-1] = max(b.hi[rank-1], e)
			x = e
		}
	}
	if len(boxes) < 2 {
		return
	}
	ids := make([]int32, len(boxes))
	for id, k := range index {
		ids[k] = id
	}
	// Grow each box by the reach (in voxels of each axis), clipped, and
	// size the scratch for the largest.
	maxVol := 0
	for _, b := range boxes {
		vol := 1
		for a := range shape {
			// The reach in voxels of this axis, the whole axis when it is
			// that long (or reach/spacing does not fit an int).
			g := shape[a]
			if r := reach / sp[a]; r < float64(shape[a]) {
				g = int(math.Ceil(r)) + 1
			}
			b.lo[a] = max(0, b.lo[a]-g)
			b.hi[a] = min(shape[a], b.hi[a]+g)
			vol *= b.hi[a] - b.lo[a]
		}
		maxVol = max(maxVol, vol)
	}
	strides := make([]int, rank)
	st := 1
	for a := rank - 1; a >= 0; a-- {
		strides[a] = st
		st *= shape[a]
	}
	// Instances are split across the workers, each with its own nearest
	// two (worker 0 writes d1, d2), merged at the end: the two smallest of
	// a pixel's distances do not depend on the split.
	w := opt.workers(len(boxes))
	n1, n2 := make([][]float32, w), make([][]float32, w)
	n1[0], n2[0] = d1, d2
	for k := 1; k < w; k++ {
		n1[k], n2[k] = make([]float32, len(d1)), make([]float32, len(d1))
		for i := range n1[k] {
			n1[k][i], n2[k][i] = inf, inf
		}
	}
	one := &Options{}
	if opt != nil {
		one.Spacing = opt.Spacing
	}
	parallel(len(boxes), w, func(lo, hi, wk int) {
		d1, d2 := n1[wk], n2[wk]
		mask, dist := make([]uint8, maxVol), make([]float32, maxVol)
		sub := make([]int, rank)
		var ps passScratch // the transforms' scratch, reused
		for k := lo; k < hi; k++ {
			b := boxes[k]
			vol := 1
			for a := range shape {
				sub[a] = b.hi[a] - b.lo[a]
				vol *= sub[a]
			}
			mask, dist := mask[:vol], dist[:vol]
			id := ids[k]
			// Every voxel of the instance is inside its box, so the box's
			// own transform gives each box voxel its exact distance to it.
			forRows(b, sub, strides, func(j, i, w int) {
				m := mask[j : j+w]
				for x, v := range inst[i : i+w] {
					b := uint8(1)
					if v == id {
						b = 0
					}
					m[x] = b
				}
			})
			// transformCapped, with the scratch of the previous instance.
			ps.passes(dist, mask, sub, sp, one, true, -1, reach*reach)
			forRows(b, sub, strides, func(j, i, w int) {
				// The two smallest, a1 <= a2, with d: min(a1, d) and
				// min(a2, max(a1, d)), on the bits (distances are >= 0 or
				// +Inf, whose bits order as the values), without a branch.
				a1, a2 := d1[i:i+w], d2[i:i+w]
				for x, d := range dist[j : j+w] {
					u, u1, u2 := math.Float32bits(d), math.Float32bits(a1[x]), math.Float32bits(a2[x])
					a1[x], a2[x] = math.Float32frombits(min(u1, u)), math.Float32frombits(min(u2, max(u1, u)))
				}
			})
		}
	})
	for k := 1; k < w; k++ {
		for i, b1 := range n1[k] {
			b2 := n2[k][i]
			a1, a2 := d1[i], d2[i]
			// The two smallest of a1 <= a2 and b1 <= b2.
			if b1 < a1 {
				a1, a2 = b1, min(a1, b2)
			} else {
				a2 = min(a2, b1)
			}
			d1[i], d2[i] = a1, a2
		}
	}
}

// forRows calls f(j, i, w) for each row (a run along the last axis) of box
// b in raster order: j its first voxel's index in the box, i in the
// volume, w its length.
func forRows(b box, sub, strides []int, f func(j, i, w int)) {
	rank := len(sub)
	coord := make([]int, rank)
	last := sub[rank-1]
	for j := 0; ; j += last {
		i := 0
		for a := range coord {
			i += (b.lo[a] + coord[a]) * strides[a]
		}
		f(j, i, last)
		if !advance(coord, sub, rank-1) {
			return
		}
	}
}

// onesShape is a shape of rank axes of size 1.
func onesShape(rank int) []int {
	s := make([]int, rank)
	for i := range s {
		s[i] = 1
	}
	return s
}

// WeightMapFromMask is WeightMap for a binary mask (nonzero: object) whose
// instances are its connected components (Components, with the given
// connectivity): touching objects that the mask does not separate are one
// instance. instances, if not nil, receives the component labels (length
// of shape's product); otherwise a buffer is allocated.
func WeightMapFromMask(dst []float32, mask []uint8, instances []int32, shape []int, connectivity int, opt *WeightOptions) error {
	n, err := volume(shape)
	if err != nil {
		return err
	}
	// The options first, so that a bad one leaves instances as it was.
	if err := WeightMap(make([]float32, 1), make([]int32, 1), onesShape(len(shape)), opt); err != nil {
		return err
	}
	if instances != nil && len(instances) != n {
		return fmt.Errorf("%w: instances have %d elements, want %d for shape %v", ErrLength, len(instances), n, shape)
	}
	if len(dst) != n {
		return fmt.Errorf("%w: dst has %d elements, want %d for shape %v", ErrLength, len(dst), n, shape)
	}
	if instances == nil {
		instances = make([]int32, n)
	}
	if _, err := Components(instances, mask, shape, connectivity); err != nil {
		return err
	}
	return WeightMap(dst, instances, shape, opt)
}
