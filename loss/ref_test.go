package loss

import "math"

// A float64 reference of every loss, written from the formulas in the godoc
// and independent of package kernels: the Go tests compare Forward against it
// and Backward against its central differences.

func refLabel(l Labels, i int) int {
	if l.i32 != nil {
		return int(l.i32[i])
	}
	return int(l.u8[i])
}

// refRegion evaluates a Region term from per-entry sums I, P, Y (each N*C)
// (PP and YY replace P and Y when squared), with y0 the plain target sums.
func refRegion(r *Region, N, C int, I, P, Y, PP, YY []float64) float64 {
	groups := 1
	if r.PerImage {
		groups = N
	}
	get := func(a []float64, g, c int) float64 {
		if r.PerImage {
			return a[g*C+c]
		}
		s := 0.0
		for n := 0; n < N; n++ {
			s += a[n*C+c]
		}
		return s
	}
	var sum float64
	kept := 0
	for g := 0; g < groups; g++ {
		for c := 0; c < C; c++ {
			if c == 0 && r.ExcludeBackground {
				continue
			}
			i, p, y := get(I, g, c), get(P, g, c), get(Y, g, c)
			y0 := y
			if r.Squared {
				p, y = get(PP, g, c), get(YY, g, c)
			}
			if y0 == 0 && r.Empty == EmptySkip {
				continue
			}
			kept++
			if y0 == 0 && r.Empty == EmptyZero {
				continue
			}
			var R float64
			switch r.Kind {
			case DiceRatio:
				R = (2*i + r.SmoothNum) / (p + y + r.SmoothDen)
			case IoURatio:
				R = (i + r.SmoothNum) / (p + y - i + r.SmoothDen)
			case TverskyRatio:
				R = (i + r.SmoothNum) / (i + r.Alpha*(p-i) + r.Beta*(y-i) + r.SmoothDen)
			}
			f := 1 - R
			if r.Log {
				f = -math.Log(R)
			}
			if r.Gamma != 0 && r.Gamma != 1 {
				f = math.Pow(f, r.Gamma)
			}
			if r.Weight != nil {
				f *= float64(r.Weight[c])
			}
			sum += f
		}
	}
	if kept == 0 {
		return 0
	}
	return sum / float64(kept)
}

func refMulticlass(m *Multiclass, x []float64, l Labels, sh Shape) float64 {
	N, C, S := sh.N, sh.C, sh.S
	I := make([]float64, N*C)
	P := make([]float64, N*C)
	PP := make([]float64, N*C)
	Y := make([]float64, N*C)
	var ce, w, foc, valid float64
	var ceT *CrossEntropy
	var focT *Focal
	for _, t := range m.Terms {
		switch v := t.Term.(type) {
		case *CrossEntropy:
			ceT = v
		case *Focal:
			focT = v
		}
	}
	p := make([]float64, C)
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			y := refLabel(l, n*S+i)
			if lab, ok := m.Ignore.Label(); ok && y == lab {
				continue
			}
			valid++
			mx := math.Inf(-1)
			for c := 0; c < C; c++ {
				mx = math.Max(mx, x[(n*C+c)*S+i])
			}
			sum := 0.0
			for c := 0; c < C; c++ {
				p[c] = math.Exp(x[(n*C+c)*S+i] - mx)
				sum += p[c]
			}
			for c := 0; c < C; c++ {
				p[c] /= sum
				P[n*C+c] += p[c]
				PP[n*C+c] += p[c] * p[c]
			}
			I[n*C+y] += p[y]
			Y[n*C+y]++
			logp := func(c int) float64 { return x[(n*C+c)*S+i] - mx - math.Log(sum) }
			if ceT != nil {
				cw := func(c int) float64 {
					if ceT.Weight == nil {
						return 1
					}
					return float64(ceT.Weight[c])
				}
				eps := ceT.LabelSmoothing
				li := (1 - eps) * cw(y) * -logp(y)
				for c := 0; c < C; c++ {
					li += eps / float64(C) * cw(c) * -logp(c)
				}
				ce += li
				w += cw(y)
			}
			if focT != nil {
				a := 1.0
				if focT.Alpha != nil {
					a = float64(focT.Alpha[y])
				}
				foc += a * math.Pow(1-p[y], focT.Gamma) * -logp(y)
			}
		}
	}
	var v float64
	for _, t := range m.Terms {
		switch r := t.Term.(type) {
		case *CrossEntropy:
			d := 1.0
			switch r.Reduction {
			case Mean:
				d = w
			case PixelMean:
				d = valid
			}
			if d != 0 {
				v += t.Weight * ce / d
			}
		case *Focal:
			d := 1.0
			if r.Reduction == Mean {
				d = valid
			}
			if d != 0 {
				v += t.Weight * foc / d
			}
		case *Region:
			v += t.Weight * refRegion(r, N, C, I, P, Y, PP, Y)
		}
	}
	return v
}

func refBinary(b *Binary, x, y []float64, sh Shape) float64 {
	N, C, S := sh.N, sh.C, sh.S
	I := make([]float64, N*C)
	P := make([]float64, N*C)
	PP := make([]float64, N*C)
	Y := make([]float64, N*C)
	YY := make([]float64, N*C)
	var bce, foc float64
	var bT *BCE
	var fT *SigmoidFocal
	for _, t := range b.Terms {
		switch v := t.Term.(type) {
		case *BCE:
			bT = v
		case *SigmoidFocal:
			fT = v
		}
	}
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			for i := 0; i < S; i++ {
				k := (n*C+c)*S + i
				xv, yv := x[k], y[k]
				p := 1 / (1 + math.Exp(-xv))
				I[n*C+c] += p * yv
				P[n*C+c] += p
				PP[n*C+c] += p * p
				Y[n*C+c] += yv
				YY[n*C+c] += yv * yv
				// softplus(x) = -log(1-p), softplus(-x) = -log p, and the BCE as
				// two non-negative terms: (1-y)*x + softplus(-x) cancels for
				// confident predictions, in float64 too (1e-3 relative at x =
				// -30, y = 0).
				l1p := math.Log1p(math.Exp(-math.Abs(xv)))
				spx, spn := math.Max(xv, 0)+l1p, math.Max(-xv, 0)+l1p
				if bT != nil {
					pw := 1.0
					if bT.PosWeight != nil {
						pw = float64(bT.PosWeight[c])
					}
					bce += (1-yv)*spx + pw*yv*spn
				}
				if fT != nil {
					ce := (1-yv)*spx + yv*spn
					q := 1 / (1 + math.Exp(xv))                 // 1-p, accurate where p is near 1
					f := ce * math.Pow(p*(1-yv)+q*yv, fT.Gamma) // (1-p_t)^gamma
					if fT.Alpha >= 0 {
						f *= fT.Alpha*yv + (1-fT.Alpha)*(1-yv)
					}
					foc += f
				}
			}
		}
	}
	total := float64(sh.Len())
	var v float64
	for _, t := range b.Terms {
		switch r := t.Term.(type) {
		case *BCE:
			d := 1.0
			if r.Reduction == Mean {
				d = total
			}
			v += t.Weight * bce / d
		case *SigmoidFocal:
			d := 1.0
			if r.Reduction == Mean {
				d = total
			}
			v += t.Weight * foc / d
		case *Region:
			v += t.Weight * refRegion(r, N, C, I, P, Y, PP, YY)
		}
	}
	return v
}
