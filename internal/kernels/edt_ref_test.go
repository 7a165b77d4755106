package kernels

import "math"

// refEnvelope is EDTEnvelope as it was before runs and marks (kept to
// check that they change no bit). It replaces the squared distances of one line of n voxels,
// read from src[p·ss] (+Inf where a voxel has no background in the axes
// done so far), by their lower envelope along the line with spacing s:
// dst[q·ds] = min_p src[p·ss] + s²(q-p)², computed in float64 and written
// as float32, or its square root when sqrt is set. A line that is +Inf
// everywhere is written as +Inf. dst may be src (the same stride): every
// value is read before it is written. v, h and z are scratch of at least
// n, n and n+1 elements. It allocates nothing.
//
// A zero (a background voxel) beats every parabola behind it, so the line
// splits at its zeros into independent segments: a run of zeros is written
// as zeros, and the envelope of a run of nonzero values needs only the
// run and the zero on each side.
func refEnvelope(dst []float32, ds int, src []float32, ss, n int, s float64, sqrt bool, v []int32, h, z []float64) {
	if n <= 0 {
		return
	}
	_ = src[(n-1)*ss]
	_ = dst[(n-1)*ds]
	v = v[:n]
	h = h[:n]
	z = z[:n+1]
	for q := 0; q < n; {
		if src[q*ss] == 0 {
			dst[q*ds] = 0
			q++
			continue
		}
		e := q + 1
		for e < n && src[e*ss] != 0 {
			e++
		}
		lo, hi := q, e
		if q > 0 {
			lo = q - 1
		}
		if e < n {
			hi = e + 1
		}
		refEnvelopeSeg(dst, ds, src, ss, lo, hi, q, e, s, sqrt, v, h, z)
		q = e
	}
}

// refEnvelopeSeg writes dst[q·ds] for q in [wlo, whi) from the lower envelope of
// the parabolas of the sites [lo, hi). v, h and z are the stack (z holds
// the numerators of the intersections, zd their denominators, so that
// building the stack divides nothing).
func refEnvelopeSeg(dst []float32, ds int, src []float32, ss, lo, hi, wlo, whi int, s float64, sqrt bool, v []int32, h, z []float64) {
	r := 1 / (s * s)
	// The stack of parabolas of the envelope: vertex v[k], height h[k]
	// (in units of s², so the intersections need no s), and the leftmost
	// point where it is lowest as the fraction z[k] / (2·(v[k]-v[k-1]))
	// (the denominator recomputed from v when needed). The top is also
	// kept in tv, th, tn (numerator), td (denominator).
	k := -1
	var tv int
	var th, tn, td float64
	for q := lo; q < hi; q++ {
		gq := float64(src[q*ss])
		if gq > math.MaxFloat64 {
			continue
		}
		gq *= r
		if k < 0 {
			k, tv, th, tn, td = 0, q, gq, math.Inf(-1), 1
			v[0], h[0], z[0] = int32(tv), th, tn
			continue
		}
		var xn, xd float64
		for {
			// The parabolas of tv and q meet at xn/xd; pop the top while
			// that is not right of where the top begins (tn/td).
			gap := float64(q - tv)
			xn = gq - th + gap*float64(q+tv)
			xd = 2 * gap
			if xn*td > tn*xd {
				break
			}
			k--
			if k < 0 {
				xn, xd = math.Inf(-1), 1
				break
			}
			tv, th, tn = int(v[k]), h[k], z[k]
			td = 1
			if k > 0 {
				td = 2 * float64(tv-int(v[k-1]))
			}
		}
		k++
		tv, th, tn, td = q, gq, xn, xd
		v[k], h[k], z[k] = int32(tv), th, tn
	}
	if k < 0 {
		inf := float32(math.Inf(1))
		for q := wlo; q < whi; q++ {
			dst[q*ds] = inf
		}
		return
	}
	// Parabola j is lowest on [z[j], z[j+1]]: it serves the voxels q with
	// q <= z[j+1] that the previous ones did not (ties to the left one).
	s2 := s * s
	q := wlo
	for j := 0; j <= k && q < whi; j++ {
		end := whi
		if j < k {
			// z[j+1] as a point: its numerator over 2·(v[j+1] - v[j]).
			x := z[j+1] / (2 * float64(v[j+1]-v[j]))
			if x < float64(whi-1) {
				end = max(q, int(math.Floor(x))+1)
			}
		}
		vj, hj := v[j], h[j]
		for ; q < end; q++ {
			d := float64(q - int(vj))
			e := (hj + d*d) * s2
			if sqrt {
				e = math.Sqrt(e)
			}
			dst[q*ds] = float32(e)
		}
	}
}
