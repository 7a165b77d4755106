package vmath

import (
	"math"
	"testing"
)

// expFit returns c[1..6] of the degree-6 polynomial 1 + c1 r + ... + c6 r^6
// with the smallest largest relative error against exp(r) on [-h, h], h =
// ln2/2 + 1e-4 (the reduced argument's range, with margin): Lawson's
// iteration (a weighted least-squares fit, each weight multiplied by its
// point's error) on 4000 Chebyshev points, 300 rounds. It returns the
// largest relative error too.
func expFit() (c [7]float64, maxErr float64) {
	const d, m = 6, 4000
	h := math.Ln2/2 + 1e-4
	rs, w := make([]float64, m), make([]float64, m)
	for i := range rs {
		rs[i] = h * math.Cos(math.Pi*(float64(i)+0.5)/m)
		w[i] = 1.0 / m
	}
	for it := 0; it < 300; it++ {
		// normal equations in t = r/h for (exp(r) - 1)/exp(r) ~ sum a_k t^k / exp(r)
		var a [d][d]float64
		var b [d]float64
		for i, r := range rs {
			e := math.Exp(r)
			var phi [d]float64
			p := 1.0
			for k := range phi {
				p *= r / h
				phi[k] = p / e
			}
			y := (e - 1) / e
			for j := range phi {
				b[j] += w[i] * phi[j] * y
				for k := range phi {
					a[j][k] += w[i] * phi[j] * phi[k]
				}
			}
		}
		for col := 0; col < d; col++ { // Gaussian elimination, partial pivoting
			piv := col
			for r := col + 1; r < d; r++ {
				if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
					piv = r
				}
			}
			a[col], a[piv] = a[piv], a[col]
			b[col], b[piv] = b[piv], b[col]
			for r := col + 1; r < d; r++ {
				f := a[r][col] / a[col][col]
				for k := col; k < d; k++ {
					a[r][k] -= f * a[col][k]
				}
				b[r] -= f * b[col]
			}
		}
		var x [d]float64
		for r := d - 1; r >= 0; r-- {
			s := b[r]
			for k := r + 1; k < d; k++ {
				s -= a[r][k] * x[k]
			}
			x[r] = s / a[r][r]
		}
		c[0] = 1
		for k := range x {
			c[k+1] = x[k] / math.Pow(h, float64(k+1))
		}
		maxErr = 0
		var sum float64
		for i, r := range rs {
			p := 0.0
			for k := d; k >= 0; k-- {
				p = p*r + c[k]
			}
			e := math.Abs(p/math.Exp(r) - 1)
			maxErr = max(maxErr, e)
			w[i] *= e + 1e-30
			sum += w[i]
		}
		for i := range w {
			w[i] /= sum
		}
	}
	return c, maxErr
}

// TestExpFit: ExpC2..ExpC6 are the float32 values of the fit, which errs
// by at most 0.05 ULP (2^-24 relative) before rounding and rounds C1 to 1,
// and the polynomial of the float32 constants, evaluated in float64, errs
// by at most 0.3 ULP on the same interval (0.287: the coefficients'
// rounding; the exhaustive sweep of expf, its float32 evaluation, finds
// 1.059 ULP). The fit solves ill-conditioned normal equations:
// arm64, where Go fuses multiply-adds, moves C6 by 2 float32 ulps (0.05
// of the ULP budget), so each constant must be within 4 ulps of the fit
// (on amd64 it is the float32 nearest the fit).
func TestExpFit(t *testing.T) {
	c, e := expFit()
	if ulp := e / 0x1p-24; ulp > 0.05 {
		t.Errorf("fit's largest relative error %.3g (%.3f ULP), want <= 0.05 ULP", e, ulp)
	}
	if float32(c[1]) != 1 {
		t.Errorf("c1 = %v rounds to %v, want 1", c[1], float32(c[1]))
	}
	consts := []float32{ExpC2, ExpC3, ExpC4, ExpC5, ExpC6}
	for k, want := range consts {
		got := float32(c[k+2])
		if d := int64(math.Float32bits(got)) - int64(math.Float32bits(want)); d < -4 || d > 4 {
			t.Errorf("c%d = %v rounds to %v (%#x), ExpC%d = %v (%#x): %d ulps apart", k+2, c[k+2], got, math.Float32bits(got), k+2, want, math.Float32bits(want), d)
		}
	}
	h := math.Ln2/2 + 1e-4
	var worst float64
	for i := 0; i <= 100000; i++ {
		r := -h + 2*h*float64(i)/100000
		p := 0.0
		for k := len(consts) - 1; k >= 0; k-- {
			p = p*r + float64(consts[k])
		}
		p = (p*r+1)*r + 1
		worst = max(worst, math.Abs(p/math.Exp(r)-1))
	}
	if ulp := worst / 0x1p-24; ulp > 0.3 {
		t.Errorf("the constants' polynomial errs by %.3g relative (%.3f ULP) on [-h, h], want <= 0.3 ULP", worst, ulp)
	}
}
