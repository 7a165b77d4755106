package kernels

import (
	"encoding/binary"
	"math"
)

// The line primitives of the exact Euclidean distance transform (the
// distance package composes them into N-D transforms): a separable scheme,
// one pass per axis. The first pass, along the contiguous axis, turns a
// binary mask into squared 1-D distances to the nearest zero (background)
// voxel; every later pass is the lower envelope of parabolas of
// Felzenszwalb and Huttenlocher (2012) over one line of the previous
// pass's output: d(q) = min_p f(p) + s²(q-p)². Every value a pass writes
// is the squared distance to the nearest background voxel in the axes
// done so far, +Inf where there is none.
//
// These plain-Go versions are the specification. A line's envelope is
// data-dependent (its stack of parabolas) and stays scalar; EDTScan, which
// the assembly tiers run on eight lines at once, reaches the same minima
// by scanning outward from each voxel where the background is near. The
// passes are split across lines by the distance package.

// EDTBinaryLine writes into dst, for each voxel i of a line of mask
// values (nonzero: object), the squared distance sq[k] to the nearest zero
// voxel, k steps away along the line: 0 on zero voxels, +Inf on every
// voxel when the line has no zero. dst and mask have the same length n; sq
// holds at least n elements, sq[k] = (k·s)² in float32 for the voxel
// spacing s along the line (EDTSquares). It allocates nothing.
func EDTBinaryLine(dst []float32, mask []uint8, sq []float32) {
	n := len(mask)
	dst = dst[:n]
	sq = sq[:n]
	prev := -1 // the last zero seen, -1 before the first
	for i := 0; i < n; {
		if mask[i] == 0 {
			// Background, eight at a time while a word is all zeros.
			for i+8 <= n && binary.LittleEndian.Uint64(mask[i:]) == 0 {
				clear(dst[i : i+8])
				i += 8
			}
			for i < n && mask[i] == 0 {
				dst[i] = 0
				i++
			}
			prev = i - 1
			continue
		}
		e := i + 1
		// Skip eight object voxels at a time while a word has no zero byte.
		for e+8 <= n && !hasZeroByte(binary.LittleEndian.Uint64(mask[e:])) {
			e += 8
		}
		for e < n && mask[e] != 0 {
			e++
		}
		// A run of object voxels [i, e), zeros at prev and e (when < n).
		switch {
		case prev < 0 && e == n:
			inf := float32(math.Inf(1))
			for j := range dst {
				dst[j] = inf
			}
			return
		case prev < 0:
			for j := i; j < e; j++ {
				dst[j] = sq[e-j]
			}
		case e == n:
			for j := i; j < e; j++ {
				dst[j] = sq[j-prev]
			}
		default:
			mid := (prev + e) / 2
			for j := i; j <= mid; j++ {
				dst[j] = sq[j-prev]
			}
			for j := mid + 1; j < e; j++ {
				dst[j] = sq[e-j]
			}
		}
		i = e
	}
}

// hasZeroByte reports whether one of the eight bytes of v is zero.
func hasZeroByte(v uint64) bool {
	return (v-0x0101010101010101)&^v&0x8080808080808080 != 0
}

// EDTSquares fills sq with (k·s)², k = 0, 1, ..., the table EDTBinaryLine
// reads.
func EDTSquares(sq []float32, s float64) {
	for k := range sq {
		d := float64(k) * s
		sq[k] = float32(d * d)
	}
}

// EDTScratch is the scratch of EDTEnvelope and EDTEnvelopeRun: the stack
// of parabolas of a line and the marks of its output pass. The zero value
// is ready; it grows to the longest line it is given (allocating only
// then), so one per goroutine serves every line of a transform.
type EDTScratch struct {
	stack []parabola
	mark  []int32
}

// parabola is an entry of the stack of an envelope: vertex v, height h,
// and the leftmost point where it is lowest as the fraction z / (2·(v -
// the vertex below)).
type parabola struct {
	h, z, v float64
}

// NewEDTScratch returns scratch sized for lines of up to n voxels.
func NewEDTScratch(n int) *EDTScratch {
	sc := &EDTScratch{}
	sc.fit(n)
	return sc
}

// fit grows the scratch to lines of n voxels.
func (sc *EDTScratch) fit(n int) {
	if len(sc.stack) >= n {
		return
	}
	sc.stack = make([]parabola, n)
	sc.mark = make([]int32, n+1)
}

// EDTEnvelope replaces the squared distances of one line of n voxels,
// read from src[p·ss] (+Inf where a voxel has no background in the axes
// done so far), by their lower envelope along the line with spacing s:
// dst[q·ds] = min_p src[p·ss] + s²(q-p)², computed in float64 and written
// as float32, or its square root when sqrt is set. A line that is +Inf
// everywhere is written as +Inf. dst may be src (the same stride): every
// value is read before it is written (zeros are then not rewritten). It
// allocates nothing once sc holds lines of n voxels.
//
// A zero (a background voxel) beats every parabola behind it, so the line
// splits at its zeros into independent segments: a run of zeros is written
// as zeros, and the envelope of a run of nonzero values needs only the
// run and the zero on each side (EDTEnvelopeRun).
func EDTEnvelope(dst []float32, ds int, src []float32, ss, n int, s float64, sqrt bool, sc *EDTScratch) {
	if n <= 0 {
		return
	}
	_ = src[(n-1)*ss]
	_ = dst[(n-1)*ds]
	inPlace := ds == ss && &dst[0] == &src[0]
	for q := 0; q < n; {
		if src[q*ss] == 0 {
			if !inPlace {
				dst[q*ds] = 0
			}
			q++
			continue
		}
		e := q + 1
		for e < n && src[e*ss] != 0 {
			e++
		}
		EDTEnvelopeRun(dst, ds, src, ss, n, q, e, s, sqrt, sc)
		q = e
	}
}

// EDTEnvelopeRun writes the voxels [q0, q1) of EDTEnvelope's line (the same
// arguments) for a run of nonzero values there whose neighbours q0-1 (when
// q0 > 0) and q1 (when q1 < n) are zero: their envelope needs only the run
// and those two zeros, which it takes as zeros without reading them. It
// reads and writes nothing outside the run. 0 <= q0 < q1 <= n, or it does
// nothing.
func EDTEnvelopeRun(dst []float32, ds int, src []float32, ss, n, q0, q1 int, s float64, sqrt bool, sc *EDTScratch) {
	if q0 < 0 || q1 > n || q0 >= q1 {
		return
	}
	lo, hi := q0, q1
	if q0 > 0 {
		lo = q0 - 1
	}
	if q1 < n {
		hi = q1 + 1
	}
	sc.fit(hi - lo)
	envelope(dst, ds, src, ss, lo, hi, q0, q1, s, sqrt, sc)
}

// envelope writes dst[q·ds] for q in [wlo, whi) from the lower envelope of
// the parabolas of the sites [lo, hi), whi-wlo <= hi-lo <= len(sc.stack): the
// values src[q·ss] inside [wlo, whi), zeros (not read) outside.
func envelope(dst []float32, ds int, src []float32, ss, lo, hi, wlo, whi int, s float64, sqrt bool, sc *EDTScratch) {
	st := sc.stack[:hi-lo]
	k := build(src, ss, wlo, whi, lo < wlo, hi > whi, 1/(s*s), st)
	if k < 0 {
		inf := float32(math.Inf(1))
		for q := wlo; q < whi; q++ {
			dst[q*ds] = inf
		}
		return
	}
	// Parabola j is lowest on [z[j], z[j+1]]: it serves the voxels q with
	// q <= z[j+1] that the previous ones did not (ties to the left one),
	// that is q < e_j = floor(z[j+1] / (2·(v[j+1]-v[j]))) + 1 (whi for the
	// last).
	// Voxel q is served by the first j with e_j > q, the number of j whose
	// running maximum of e_j is <= q: mark[i] counts the j whose running
	// maximum, clamped to [wlo, whi], is wlo+i, and a prefix sum over the
	// voxels follows them without a branch.
	w := whi - wlo
	mark := sc.mark[:w+1]
	clear(mark)
	run := wlo
	for j := 1; j <= k; j++ {
		x := st[j].z / (2 * (st[j].v - st[j-1].v))
		e := whi
		if x < float64(wlo) {
			e = wlo
		} else if x < float64(whi-1) {
			e = int(math.Floor(x)) + 1
		}
		run = max(run, e)
		mark[run-wlo]++
	}
	s2 := s * s
	j := 0
	mark = mark[:w]
	fq, o := float64(wlo), wlo*ds
	if sqrt {
		for _, c := range mark {
			j += int(c)
			p := &st[j]
			d := fq - p.v
			dst[o] = float32(math.Sqrt((p.h + d*d) * s2))
			fq, o = fq+1, o+ds
		}
		return
	}
	for _, c := range mark {
		j += int(c)
		p := &st[j]
		d := fq - p.v
		dst[o] = float32((p.h + d*d) * s2)
		fq, o = fq+1, o+ds
	}
}

// build builds the stack of parabolas of envelope's sites: a zero at wlo-1
// when left, src[q·ss] for q in [wlo, whi), a zero at whi when right; it
// returns the index of the top, -1 when every site is +Inf. The stack st,
// from 0 up, has the parabolas' vertices, heights (in units of s², r =
// 1/s², so that the intersections need no s), and the numerators of the
// points where they begin (the denominators recomputed from the vertices
// when needed, so that building the stack divides nothing). The top is
// also kept in tv, th, tn (numerator), td (denominator). Voxel indices are
// float64 (exact: below 2^31), so the intersections convert nothing.
func build(src []float32, ss, wlo, whi int, left, right bool, r float64, st []parabola) int {
	k := -1
	var tv, th, tn, td float64
	if left {
		k, tv, th, tn, td = 0, float64(wlo-1), 0, math.Inf(-1), 1
		st[0] = parabola{th, tn, tv}
	}
	end := whi
	if right {
		end++
	}
	big := math.MaxFloat64
	fq := float64(wlo)
	for q, i := wlo, wlo*ss; q < end; q, i, fq = q+1, i+ss, fq+1 {
		var gq float64 // the zero at whi
		if q < whi {
			gq = float64(src[i])
			if gq > big {
				continue
			}
			gq *= r
		}
		if k < 0 {
			k, tv, th, tn, td = 0, fq, gq, math.Inf(-1), 1
			st[0] = parabola{th, tn, tv}
			continue
		}
		var xn, xd float64
		for {
			// The parabolas of tv and q meet at xn/xd; pop the top while
			// that is not right of where the top begins (tn/td).
			gap := fq - tv
			xn = gq - th + gap*(fq+tv)
			xd = 2 * gap
			if xn*td > tn*xd {
				break
			}
			k--
			if k < 0 {
				xn, xd = math.Inf(-1), 1
				break
			}
			p := &st[k]
			tv, th, tn = p.v, p.h, p.z
			td = 1
			if k > 0 {
				td = 2 * (tv - st[k-1].v)
			}
		}
		k++
		tv, th, tn, td = fq, gq, xn, xd
		st[k] = parabola{th, tn, tv}
	}
	return k
}

// EDTScanReach is the farthest step, in voxels, that EDTScan looks along a
// line: a line with a voxel whose nearest background lies farther away is
// left to the envelope (EDTEnvelope).
const EDTScanReach = 128

// EDTScan is the strided passes' other way to the lower envelope, for a
// tile of up to 64 lines side by side (each rows voxels long, one row of
// the tile per voxel): where the background is near, scanning outward from
// a voxel and stopping where the step alone is no better than the best so
// far reads a few neighbours, while the envelope pays a stack of parabolas
// per voxel. The assembly tiers scan a vector of lines at once.
//
// Voxel r of line l is src[(r+EDTScanReach)·pitch + l] for r in
// [-EDTScanReach, rows+EDTScanReach): the rows outside [0, rows) hold the
// line's voxels before and after the tile's rows, +Inf beyond the line's
// ends (no site there), so that a long line can be scanned a few rows a
// call. Every value is a squared distance: >= 0 or +Inf.
// sq[k] = (k·s)² in float32 for the spacing s along the lines, k <=
// EDTScanReach+1 (EDTSquares). It writes, for r in [0, rows) and l in [0,
// lanes),
//
//	dst[r·pitch + l] = min over |k| <= EDTScanReach of src(r+k, l) + sq[|k|]
//
// each sum a float32 addition, and its square root (float32(math.Sqrt))
// when sqrt is set. Where that minimum is at most sq[EDTScanReach+1] it is
// the minimum over the whole line, as no farther voxel can be lower: the
// envelope, whose values it gives bit for bit at unit spacing, where every
// sum is exact. It returns the lanes with a voxel whose minimum exceeds
// sq[EDTScanReach+1], bit l for lane l: their elements of dst are
// unspecified (they may be left unwritten). The result is the same on
// every tier. It returns an error wrapping ErrArg, having written nothing,
// when lanes > 64, pitch < lanes, sq is shorter than EDTScanReach+2, or
// src or dst is too short for the tile; nothing happens when rows or lanes
// is 0.
func EDTScan(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) (uint64, error) {
	if !edtScanOK(dst, src, sq, pitch, lanes, rows) {
		return 0, argErr("EDTScan", "a tile of %d lanes, %d rows at pitch %d does not fit dst (%d), src (%d) and sq (%d)", lanes, rows, pitch, len(dst), len(src), len(sq))
	}
	if rows == 0 || lanes == 0 {
		return 0, nil
	}
	if f := active.Load().edtScan; f != nil {
		return f(dst, src, sq, pitch, lanes, rows, sqrt), nil
	}
	return edtScanGeneric(dst, src, sq, pitch, lanes, rows, sqrt), nil
}

// HasEDTScan reports whether the active tier scans vectors of lines in
// EDTScan (the assembly tiers); on the generic tier, one voxel at a time,
// the envelope is faster.
func HasEDTScan() bool { return active.Load().edtScan != nil }

// edtScanOK reports whether EDTScan's arguments describe a tile inside its
// slices (no product overflows: every bound is compared by division).
func edtScanOK(dst, src, sq []float32, pitch, lanes, rows int) bool {
	const pad = 2 * EDTScanReach
	switch {
	case lanes < 0 || lanes > 64 || rows < 0 || pitch < lanes || len(sq) < EDTScanReach+2:
		return false
	case rows == 0 || lanes == 0:
		return true
	}
	// pitch >= lanes >= 1 from here.
	return rows <= len(src)/pitch-pad && len(dst) >= lanes && rows-1 <= (len(dst)-lanes)/pitch
}

// edtScanVector is the tier function of an assembly scan that takes lanes
// in groups of 8 (AVX2, NEON): the groups go to the kernel and the last
// lanes%8 to the generic code. Every voxel's value is the same on every
// tier, so the parts agree; the kernel's error cannot happen (EDTScan has
// checked the tile, and a part of it fits too).
func edtScanVector(kernel func(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) (uint64, error)) func(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) uint64 {
	return func(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) uint64 {
		var far uint64
		l := lanes &^ 7
		if l > 0 {
			far, _ = kernel(dst, src, sq, pitch, l, rows, sqrt)
		}
		if l < lanes {
			far |= edtScanGeneric(dst[l:], src[l:], sq, pitch, lanes-l, rows, sqrt) << l
		}
		return far
	}
}

// edtScanGeneric is EDTScan's specification, one voxel at a time (the
// arguments are checked); a lane is left at its first voxel out of reach.
func edtScanGeneric(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) uint64 {
	const R = EDTScanReach
	sq = sq[:R+2]
	cut := sq[R+1]
	var far uint64
	for r := 0; r < rows; r++ {
		row := src[(r+R)*pitch:]
		out := dst[r*pitch:][:lanes]
		for l := range out {
			if far>>l&1 != 0 {
				continue
			}
			best := row[l]
			k := 1
			for ; k <= R && sq[k] < best; k++ {
				best = min(best, src[(r+R-k)*pitch+l]+sq[k], src[(r+R+k)*pitch+l]+sq[k])
			}
			if k > R && cut < best {
				far |= 1 << l
				continue
			}
			if sqrt {
				best = float32(math.Sqrt(float64(best)))
			}
			out[l] = best
		}
	}
	return far
}
