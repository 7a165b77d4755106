package main

import (
	"fmt"
	"math"
)

// PixelWeightedCE is U-Net's border-weighted cross entropy (Ronneberger et
// al. 2015, eq. 1 with the weight map of eq. 2) as example code:
//
//	L = sum_i w_i * -log p_{i,y_i} / sum_i w_i
//
// over every pixel i of the batch, p the softmax over the C classes, and
// its gradient
//
//	dL/dx_{i,c} = w_i * (p_{i,c} - [c = y_i]) / sum_i w_i.
//
// It lives in the example, not the library, because segloss's CrossEntropy
// takes class weights but no per-pixel weight map yet; once the library
// has one, this function is what it replaces (the test checks it against
// central differences). logits are N x C x S (NCHW), labels and w N x S;
// grad (N x C x S) receives the gradient when not nil. It is plain Go,
// in float64 per pixel.
func PixelWeightedCE(logits []float32, labels []uint8, w []float32, n, c, s int, grad []float32) (float64, error) {
	if len(logits) != n*c*s || len(labels) != n*s || len(w) != n*s || (grad != nil && len(grad) != n*c*s) {
		return 0, fmt.Errorf("PixelWeightedCE: lengths %d, %d, %d for %dx%dx%d", len(logits), len(labels), len(w), n, c, s)
	}
	var wsum float64
	for _, v := range w {
		if !(v >= 0) || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("PixelWeightedCE: weight %v", v)
		}
		wsum += float64(v)
	}
	if wsum == 0 {
		if grad != nil {
			clear(grad)
		}
		return 0, nil
	}
	var total float64
	p := make([]float64, c)
	for k := 0; k < n; k++ {
		x := logits[k*c*s : (k+1)*c*s]
		for i := 0; i < s; i++ {
			y := int(labels[k*s+i])
			if y >= c {
				return 0, fmt.Errorf("PixelWeightedCE: label %d of %d classes", y, c)
			}
			m := math.Inf(-1)
			for j := 0; j < c; j++ {
				m = math.Max(m, float64(x[j*s+i]))
			}
			var z float64
			for j := 0; j < c; j++ {
				p[j] = math.Exp(float64(x[j*s+i]) - m)
				z += p[j]
			}
			wi := float64(w[k*s+i])
			total += wi * (math.Log(z) + m - float64(x[y*s+i]))
			if grad == nil {
				continue
			}
			g := grad[k*c*s : (k+1)*c*s]
			for j := 0; j < c; j++ {
				d := p[j] / z
				if j == y {
					d--
				}
				g[j*s+i] = float32(wi * d / wsum)
			}
		}
	}
	return total / wsum, nil
}
