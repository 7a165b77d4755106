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

// windowExponent is the reach in units of σ: the border term
// w0·exp(-(d1+d2)²/(2σ²)) is below w0·2^-30 once d1 + d2 > σ·sqrt(60·ln 2),
// too little to change a weight by as much as float32 rounds; the map
// leaves it out there, and needs no distance beyond the reach.
var windowExponent = math.Sqrt(60 * math.Ln2)

// WeightMap writes into dst the weight map of U-Net (Ronneberger et al.
// 2015, eq. 2) for one image of instance labels (0: background, > 0: one
// id per instance, ids need not be contiguous):
//
//	w(x) = w_c(x) + w0 · exp(-(d1(x) + d2(x))² / (2σ²))
//
// d1 and d2 the distances (in spacing units) to the nearest and the second
// nearest instance. The term is added where d1 + d2 is within the reach
// σ·sqrt(60 ln 2) (6.45σ); beyond it, it is below w0·2^-30 and left out,
// and so is it where there are fewer than two instances. d1 and d2 come
// from one separable transform of the whole image that keeps, per voxel,
// the nearest instance and the distance to the nearest other one (exact
// up to the reach), so the cost grows with the image, not with the number
// of instances. dst and instances have the length of shape's product;
// scratch of two such 4-byte buffers plus a few lines per worker is
// allocated. Negative instance labels are an error wrapping ErrLabel.
// instances is not modified.
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
	// The border term needs two instances.
	border := !opt.NoBorder && w0 > 0 && twoIDs(instances)
	// d1 lives in dst until the weights replace it, pixel by pixel; both
	// hold squared distances.
	d1 := dst
	var d2 []float32
	reach := sigma * windowExponent
	if border {
		d2 = make([]float32, n)
		nearestTwo(d1, d2, instances, shape, sp, reach, opt.AllPixels, &opt.Options)
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
			if s <= reach {
				w += w0 * math.Exp(k*s*s)
			}
		}
		dst[i] = float32(w)
	}
	return nil
}

// box is a bounding box, [lo, hi) per axis.
type box struct{ lo, hi []int }

// twoIDs reports whether inst holds two different instance ids.
func twoIDs(inst []int32) bool {
	var a int32
	for _, v := range inst {
		if v != 0 {
			if a == 0 {
				a = v
			} else if v != a {
				return true
			}
		}
	}
	return false
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
