package main

import (
	"math"
	"math/rand/v2"
)

// Side is the width and height of every image.
const Side = 64

// pixels is the number of pixels of one image.
const pixels = Side * Side

// Image is one synthetic grayscale image and its mask (1 = foreground).
type Image struct {
	Pix  []float32 // Side*Side intensities
	Mask []uint8   // Side*Side labels, 0 or 1
}

// DataConfig describes the synthetic data set.
type DataConfig struct {
	// Contrast is the mean intensity the foreground adds.
	Contrast float64
	// Noise is the standard deviation of the Gaussian pixel noise.
	Noise float64
	// MinFrac and MaxFrac bound the foreground fraction of every image.
	MinFrac, MaxFrac float64
}

// defaultData is strongly imbalanced (3-5% foreground) and noisy (the
// per-pixel contrast-to-noise ratio is 0.8).
var defaultData = DataConfig{Contrast: 1, Noise: 1.0, MinFrac: 0.03, MaxFrac: 0.05}

// makeImage draws one image: a few small bright blobs (the foreground,
// MinFrac to MaxFrac of the pixels) on a background with a random linear
// ramp, a few bright specks and a large faint blob as clutter, plus
// Gaussian noise.
func makeImage(rng *rand.Rand, cfg DataConfig) Image {
	im := Image{Pix: make([]float32, pixels), Mask: make([]uint8, pixels)}
	lo, hi := int(math.Ceil(cfg.MinFrac*pixels)), int(math.Floor(cfg.MaxFrac*pixels))
	for {
		clear(im.Mask)
		target := lo + rng.IntN(hi-lo+1)
		area := 0
		for area < target {
			// An ellipse of semi-axes 2.5 to 6 pixels.
			cx, cy := 4+rng.Float64()*(Side-8), 4+rng.Float64()*(Side-8)
			ax, ay := 2.5+rng.Float64()*3.5, 2.5+rng.Float64()*3.5
			for y := max(0, int(cy-ay)-1); y <= min(Side-1, int(cy+ay)+1); y++ {
				for x := max(0, int(cx-ax)-1); x <= min(Side-1, int(cx+ax)+1); x++ {
					dx, dy := (float64(x)-cx)/ax, (float64(y)-cy)/ay
					if dx*dx+dy*dy <= 1 && im.Mask[y*Side+x] == 0 {
						im.Mask[y*Side+x] = 1
						area++
					}
				}
			}
		}
		if area <= hi {
			break
		}
	}
	// Background: a ramp of random direction and slope, a faint large blob.
	gx, gy := rng.NormFloat64()*0.6/Side, rng.NormFloat64()*0.6/Side
	off := rng.NormFloat64() * 0.3
	bx, by, br := rng.Float64()*Side, rng.Float64()*Side, 8+rng.Float64()*8
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			v := off + gx*float64(x-Side/2) + gy*float64(y-Side/2)
			if dx, dy := float64(x)-bx, float64(y)-by; dx*dx+dy*dy <= br*br {
				v += 0.35 * cfg.Contrast
			}
			if im.Mask[y*Side+x] == 1 {
				v += cfg.Contrast
			}
			im.Pix[y*Side+x] = float32(v + cfg.Noise*rng.NormFloat64())
		}
	}
	// Specks: single bright pixels that are not foreground.
	for k := 0; k < 12; k++ {
		i := rng.IntN(pixels)
		if im.Mask[i] == 0 {
			im.Pix[i] += float32(2.5 * cfg.Contrast)
		}
	}
	return im
}

// makeSet draws n images.
func makeSet(rng *rand.Rand, n int, cfg DataConfig) []Image {
	set := make([]Image, n)
	for i := range set {
		set[i] = makeImage(rng, cfg)
	}
	return set
}

// Features are computed per pixel: a constant, the intensity, and box
// means of radius 1, 2, 4 and 8 (windows clipped at the border).
const Features = 6

var radii = [...]int{1, 2, 4, 8}

// features writes the Features planes of one image into dst
// (Features*pixels), unstandardised.
func features(im Image, dst []float32) {
	var integral [(Side + 1) * (Side + 1)]float64
	for y := 0; y < Side; y++ {
		var row float64
		for x := 0; x < Side; x++ {
			row += float64(im.Pix[y*Side+x])
			integral[(y+1)*(Side+1)+x+1] = integral[y*(Side+1)+x+1] + row
		}
	}
	box := func(x, y, r int) float32 {
		x0, y0, x1, y1 := max(0, x-r), max(0, y-r), min(Side, x+r+1), min(Side, y+r+1)
		s := integral[y1*(Side+1)+x1] - integral[y0*(Side+1)+x1] - integral[y1*(Side+1)+x0] + integral[y0*(Side+1)+x0]
		return float32(s / float64((x1-x0)*(y1-y0)))
	}
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			i := y*Side + x
			dst[i] = 1
			dst[pixels+i] = im.Pix[i]
			for k, r := range radii {
				dst[(2+k)*pixels+i] = box(x, y, r)
			}
		}
	}
}

// standard holds the mean and standard deviation of every feature.
type standard struct{ mean, std [Features]float64 }

// featureSet computes the features of every image of set, standardised
// (except the constant) with st, or, when st is nil, with the set's own
// statistics (the training set's), which it returns.
func featureSet(set []Image, st *standard) ([]float32, standard) {
	out := make([]float32, len(set)*Features*pixels)
	for n, im := range set {
		features(im, out[n*Features*pixels:(n+1)*Features*pixels])
	}
	if st == nil {
		var s standard
		for f := 1; f < Features; f++ {
			var sum, sq float64
			for n := range set {
				for _, v := range out[(n*Features+f)*pixels : (n*Features+f+1)*pixels] {
					sum += float64(v)
					sq += float64(v) * float64(v)
				}
			}
			cnt := float64(len(set) * pixels)
			s.mean[f] = sum / cnt
			s.std[f] = math.Sqrt(max(sq/cnt-s.mean[f]*s.mean[f], 1e-12))
		}
		s.std[0] = 1
		st = &s
	}
	for n := range set {
		for f := 1; f < Features; f++ {
			plane := out[(n*Features+f)*pixels : (n*Features+f+1)*pixels]
			for i, v := range plane {
				plane[i] = float32((float64(v) - st.mean[f]) / st.std[f])
			}
		}
	}
	return out, *st
}
