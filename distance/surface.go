package distance

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/segloss/segloss/internal/kernels"
)

// EmptyPolicy says what the surface metrics give when the prediction or
// the reference has no object voxel.
type EmptyPolicy int

const (
	// EmptyMONAI is MONAI's convention (HausdorffDistanceMetric,
	// SurfaceDistanceMetric, SurfaceDiceMetric): both empty gives NaN for
	// every metric; one empty gives +Inf for the distances and 0 for the
	// surface Dice.
	EmptyMONAI EmptyPolicy = iota
	// EmptyBounded gives finite values: both empty is a perfect match (0
	// for the distances, 1 for the surface Dice); one empty gives the
	// image's diagonal, sqrt(Σ (size_a·spacing_a)²), for the distances and
	// 0 for the surface Dice.
	EmptyBounded
)

// SurfaceOptions are the settings of Surfaces.Compute.
type SurfaceOptions struct {
	// Options hold the spacing and the worker count.
	Options
	// Empty is the policy for empty masks; the zero value is EmptyMONAI.
	Empty EmptyPolicy
}

// Surfaces holds the directed surface distances between a predicted and a
// reference mask of one image and class, the input of every surface
// metric. A surface voxel is an object voxel with a face neighbour outside
// the object or outside the image (MONAI's get_mask_edges: the mask minus
// its binary erosion by the cross, the border counted as background). The
// zero value is ready for Compute, which reuses its buffers.
type Surfaces struct {
	// PredToRef holds, for each surface voxel of the prediction in raster
	// order, the distance to the nearest surface voxel of the reference;
	// RefToPred the other way. Both are empty when either mask is.
	PredToRef, RefToPred []float32

	predEmpty, refEmpty bool
	policy              EmptyPolicy
	diag                float64
	sortedP, sortedR    []float32
	sorted              bool

	edges []uint8
	dist  []float32
	lazy  lazyLines
}

// Compute finds the surfaces of pred and ref (nonzero: object; row-major,
// the length of shape's product) and their directed distances, in the
// units of opt.Spacing. Like MONAI it works in the bounding box of the
// two masks (exact: both surfaces lie inside it), computing one distance
// transform of that box per direction; memory is O(box) and is reused by
// later calls. pred and ref are not modified.
func (s *Surfaces) Compute(pred, ref []uint8, shape []int, opt *SurfaceOptions) error {
	var o *Options
	policy := EmptyMONAI
	if opt != nil {
		o, policy = &opt.Options, opt.Empty
	}
	n, sp, err := checkVolume(shape, o)
	if err != nil {
		return err
	}
	if policy != EmptyMONAI && policy != EmptyBounded {
		return fmt.Errorf("%w: empty policy %d", ErrOption, policy)
	}
	if len(pred) != n || len(ref) != n {
		return fmt.Errorf("%w: pred has %d voxels and ref %d, want %d for shape %v", ErrLength, len(pred), len(ref), n, shape)
	}
	rank := len(shape)
	s.PredToRef, s.RefToPred = s.PredToRef[:0], s.RefToPred[:0]
	s.policy, s.sorted = policy, false
	s.diag = 0
	for a, d := range shape {
		x := float64(d) * sp[a]
		s.diag += x * x
	}
	s.diag = math.Sqrt(s.diag)
	b, predAny, refAny := bounds(pred, ref, shape)
	s.predEmpty, s.refEmpty = !predAny, !refAny
	if s.predEmpty || s.refEmpty {
		return nil
	}
	sub := make([]int, rank)
	vol := 1
	for a := range shape {
		sub[a] = b.hi[a] - b.lo[a]
		vol *= sub[a]
	}
	if cap(s.edges) < 2*vol {
		s.edges, s.dist = make([]uint8, 2*vol), make([]float32, vol)
	}
	eP, eR, dist := s.edges[:vol], s.edges[vol:2*vol], s.dist[:vol]
	surfaceMask(eP, pred, shape, b, sub)
	surfaceMask(eR, ref, shape, b, sub)
	s.PredToRef = s.lazy.distances(s.PredToRef, eP, eR, dist, sub, sp, o)
	s.RefToPred = s.lazy.distances(s.RefToPred, eR, eP, dist, sub, sp, o)
	return nil
}

// lazyLines is the scratch of distances: the voxels read, those left to
// the lines of axis 1, and the lines needed and done, reused by later
// calls.
type lazyLines struct {
	at, rest   []int
	need, done []uint64
	ids        []int
}

// windowReads is the most reads of a query's windowed search before it is
// left to the lines of axis 1 (a distance of about 25 voxels).
const windowReads = 2048

// distances appends to out the distance of each zero of e (a surface), in
// raster order, to the nearest zero of m (the other surface), both in the
// box sub, computed in g (the box's size). The outermost axis's pass is
// done only at the voxels read (axis0At); with three axes or more, so is
// the pass of axis 1: only its lines that axis0At reads are transformed,
// those through a voxel of e and those within its distance along axis 0
// (bounded by its value after axis 1), each with the arithmetic of the
// whole transform, so the distances are those of transform's. Where that
// arithmetic is exact (unit spacing, squared distances below 2^24, so
// every value is an integer), a voxel near the other surface is instead
// found by a search of the passes of axes 0 and 1 outward from it, which
// gives the same integer; the others go to the lines.
func (z *lazyLines) distances(out []float32, e, m []uint8, g []float32, sub []int, sp []float64, o *Options) []float32 {
	rank := len(sub)
	if rank < 3 {
		transform(g, m, sub, sp, o, false, true)
		return gatherAt(out, e, g, sub, sp[0])
	}
	passes(g, m, sub, sp, o, false, 1)
	z.at = z.at[:0]
	for j := 0; j < len(e); j++ {
		if e[j] != 0 {
			// Not the surface, eight at a time where the row allows.
			if j+8 <= len(e) && binary.LittleEndian.Uint64(e[j:]) == 0x0101010101010101 {
				j += 7
			}
			continue
		}
		z.at = append(z.at, j)
	}
	n0, n1 := sub[0], sub[1]
	inner := len(g) / (n0 * n1)
	base := len(out)
	out = slices.Grow(out, len(z.at))[:base+len(z.at)]
	res := out[base:]
	exact := true
	var diag float64
	for a, d := range sub {
		exact = exact && sp[a] == 1
		diag += float64(d) * float64(d)
	}
	z.rest = z.rest[:0]
	if exact && diag < 1<<24 {
		w := o.workers(len(z.at) / 256)
		left := make([]bool, len(z.at))
		parallel(len(z.at), w, func(lo, hi, _ int) {
			gaveUp := 0
			for i := lo; i < hi; i++ {
				// Past a quarter of far voxels, the lines are cheaper.
				if gaveUp > 64 && gaveUp > (i-lo)/4 {
					left[i] = true
					continue
				}
				j := z.at[i]
				d, ok := windowAt(g, j/(n1*inner), j/inner%n1, j%inner, n0, n1, inner)
				if !ok {
					left[i] = true
					gaveUp++
					continue
				}
				res[i] = float32(math.Sqrt(d))
			}
		})
		for i, l := range left {
			if l {
				z.rest = append(z.rest, i)
			}
		}
	} else {
		for i := range z.at {
			z.rest = append(z.rest, i)
		}
	}
	if len(z.rest) == 0 {
		return out
	}
	words := (n0*inner + 63) / 64
	if cap(z.need) < words {
		z.need, z.done = make([]uint64, words), make([]uint64, words)
	}
	z.need, z.done = z.need[:words], z.done[:words]
	clear(z.need)
	clear(z.done)
	set := func(line int) { z.need[line>>6] |= 1 << (line & 63) }
	// The lines through the voxels read first, then those their values
	// say axis0At may read.
	for _, i := range z.rest {
		j := z.at[i]
		set(j/(n1*inner)*inner + j%inner)
	}
	z.lines(g, n0, n1, inner, sp[1], o)
	s0 := sp[0]
	for _, i := range z.rest {
		j := z.at[i]
		k0, c := j/(n1*inner), j%inner
		best := float64(g[j])
		for k := 1; k < n0; k++ {
			d := float64(k) * s0
			if d*d >= best || (k0-k < 0 && k0+k >= n0) {
				break
			}
			if k0-k >= 0 {
				set((k0-k)*inner + c)
			}
			if k0+k < n0 {
				set((k0+k)*inner + c)
			}
		}
	}
	z.lines(g, n0, n1, inner, sp[1], o)
	stride := len(g) / n0
	for _, i := range z.rest {
		res[i] = float32(math.Sqrt(axis0At(g, z.at[i], n0, stride, s0)))
	}
	return out
}

// windowAt returns the squared distance at voxel (k0, y0, c) of a volume
// of n0 × n1 × inner voxels of unit spacing whose passes of the axes after
// the first two are done in g: the least g at (k, y, c) plus (k-k0)² +
// (y-y0)², searched outward from the voxel and stopped where the step
// alone reaches the best so far. It reports false, with no value, once it
// has read windowReads voxels.
func windowAt(g []float32, k0, y0, c, n0, n1, inner int) (float64, bool) {
	best := math.Inf(1)
	reads := 0
	for dk := 0; dk < n0; dk++ {
		dk2 := float64(dk * dk)
		if dk2 >= best {
			break
		}
		for side := -1; side <= 1; side += 2 {
			k := k0 + side*dk
			if k < 0 || k >= n0 || (dk == 0 && side == 1) {
				continue
			}
			row := g[k*n1*inner+c:]
			for dy := 0; dy < n1; dy++ {
				dd := dk2 + float64(dy*dy)
				if dd >= best || (y0-dy < 0 && y0+dy >= n1) {
					break
				}
				if y0-dy >= 0 {
					best = min(best, float64(row[(y0-dy)*inner])+dd)
				}
				if dy > 0 && y0+dy < n1 {
					best = min(best, float64(row[(y0+dy)*inner])+dd)
				}
				reads += 2
			}
		}
		if reads > windowReads {
			return 0, false
		}
	}
	return best, true
}

// lines transforms along axis 1 (n1 voxels, inner apart, spacing s) the
// lines of g needed and not yet done, split across the workers, and marks
// them done. Line l starts at voxel (l / inner)·n1·inner + l % inner.
func (z *lazyLines) lines(g []float32, n0, n1, inner int, s float64, o *Options) {
	z.ids = z.ids[:0]
	for w, b := range z.need {
		for b &^= z.done[w]; b != 0; b &= b - 1 {
			z.ids = append(z.ids, w<<6+bits.TrailingZeros64(b))
		}
		z.done[w] |= z.need[w]
	}
	ids := z.ids
	if !kernels.HasEDTScan() {
		w := o.workers(len(ids))
		parallel(len(ids), w, func(lo, hi, _ int) {
			sc := kernels.NewEDTScratch(n1)
			for _, l := range ids[lo:hi] {
				line := g[l/inner*n1*inner+l%inner:]
				kernels.EDTEnvelope(line, inner, line, inner, n1, s, false, sc)
			}
		})
		return
	}
	// The scan of the whole transform's tiles (scanLanes), on tiles of
	// up to 64 of the lines gathered.
	const reach = kernels.EDTScanReach
	sq := make([]float32, reach+2)
	kernels.EDTSquares(sq, s)
	chunks := (len(ids) + tile - 1) / tile
	parallel(chunks, o.workers(chunks), func(lo, hi, _ int) {
		t, u := make([]float32, tile*(n1+2*reach)), make([]float32, tile*n1)
		inf := float32(math.Inf(1))
		for i := range t[:reach*tile] {
			t[i], t[(reach+n1)*tile+i] = inf, inf
		}
		sc := kernels.NewEDTScratch(n1)
		tt := t[reach*tile:]
		for c := lo; c < hi; c++ {
			chunk := ids[c*tile : min(len(ids), (c+1)*tile)]
			for i, l := range chunk {
				line := g[l/inner*n1*inner+l%inner:]
				for q := 0; q < n1; q++ {
					tt[q*tile+i] = line[q*inner]
				}
			}
			scanLanes(u, t, sq, tile, len(chunk), n1, s, false, sc)
			for i, l := range chunk {
				line := g[l/inner*n1*inner+l%inner:]
				for q := 0; q < n1; q++ {
					line[q*inner] = u[q*tile+i]
				}
			}
		}
	})
}

// gatherAt appends the distance at each j where e[j] == 0, in order, from
// a partial transform g of a box of shape sub.
func gatherAt(out []float32, e []uint8, g []float32, sub []int, s0 float64) []float32 {
	if len(sub) == 1 {
		for j, v := range e {
			if v == 0 {
				out = append(out, float32(math.Sqrt(float64(g[j]))))
			}
		}
		return out
	}
	stride := len(e) / sub[0]
	for j, v := range e {
		if v == 0 {
			out = append(out, float32(math.Sqrt(axis0At(g, j, sub[0], stride, s0))))
		}
	}
	return out
}

// bounds returns the bounding box of the object voxels of a and b (rows
// of the last axis scanned 8 bytes at a time), and whether each has any.
func bounds(a, b []uint8, shape []int) (box, bool, bool) {
	rank := len(shape)
	bx := box{make([]int, rank), make([]int, rank)}
	for i := range shape {
		bx.lo[i], bx.hi[i] = shape[i], 0
	}
	last := shape[rank-1]
	coord := make([]int, rank) // of the row; coord[rank-1] unused
	anyA, anyB := false, false
	for r := 0; r*last < len(a); r++ {
		if r > 0 {
			advance(coord, shape, rank-1)
		}
		fa, la := span(a[r*last : (r+1)*last])
		fb, lb := span(b[r*last : (r+1)*last])
		if fa < 0 && fb < 0 {
			continue
		}
		anyA = anyA || fa >= 0
		anyB = anyB || fb >= 0
		f := fa
		if f < 0 || (fb >= 0 && fb < f) {
			f = fb
		}
		l := max(la, lb)
		for i := 0; i < rank-1; i++ {
			bx.lo[i] = min(bx.lo[i], coord[i])
			bx.hi[i] = max(bx.hi[i], coord[i]+1)
		}
		bx.lo[rank-1] = min(bx.lo[rank-1], f)
		bx.hi[rank-1] = max(bx.hi[rank-1], l+1)
	}
	return bx, anyA, anyB
}

// span returns the first and last index of a nonzero byte of row, or -1,
// -1.
func span(row []uint8) (int, int) {
	i := 0
	for ; i+8 <= len(row) && binary.LittleEndian.Uint64(row[i:]) == 0; i += 8 {
	}
	for ; i < len(row) && row[i] == 0; i++ {
	}
	if i == len(row) {
		return -1, -1
	}
	l := len(row) - 1
	for ; l-7 > i && binary.LittleEndian.Uint64(row[l-7:]) == 0; l -= 8 {
	}
	for row[l] == 0 {
		l--
	}
	return i, l
}

// surfaceMask writes into e (the box's layout) 0 on the surface voxels of
// m inside box b and 1 elsewhere: object voxels with a face neighbour
// outside the object or outside the box (the box holds every object voxel,
// so outside it is outside the object).
func surfaceMask(e, m []uint8, shape []int, b box, sub []int) {
	rank := len(shape)
	strides := make([]int, rank)
	st := 1
	for a := rank - 1; a >= 0; a-- {
		strides[a] = st
		st *= shape[a]
	}
	last := sub[rank-1]
	coord := make([]int, rank) // in the box, of the row
	for j := 0; j < len(e); j += last {
		if j > 0 {
			advance(coord, sub, rank-1)
		}
		i := b.lo[rank-1]
		edge := false // the row lies on a face of the box
		for a := 0; a < rank-1; a++ {
			i += (b.lo[a] + coord[a]) * strides[a]
			edge = edge || coord[a] == 0 || coord[a] == sub[a]-1
		}
		row := m[i : i+last]
		out := e[j : j+last]
		x := 0
		if !edge {
			// Eight voxels a word from the second voxel on while the word
			// and its neighbours along the row lie inside the row: a
			// voxel is on the surface where it is in the object and not
			// all its face neighbours are (rows off the box's faces have
			// their neighbours across the other axes inside it).
			x = 1
			for ; x+9 <= last; x += 8 {
				c := ones(binary.LittleEndian.Uint64(row[x:]))
				if c == 0 {
					binary.LittleEndian.PutUint64(out[x:], 0x0101010101010101)
					continue
				}
				nb := c & ones(binary.LittleEndian.Uint64(row[x-1:])) & ones(binary.LittleEndian.Uint64(row[x+1:]))
				for a := 0; a < rank-1 && nb != 0; a++ {
					nb &= ones(binary.LittleEndian.Uint64(m[i+x-strides[a]:])) & ones(binary.LittleEndian.Uint64(m[i+x+strides[a]:]))
				}
				binary.LittleEndian.PutUint64(out[x:], 0x0101010101010101^(c&^nb))
			}
			surfaceVoxels(out, row, m, i, 0, 1, edge, strides[:rank-1])
		}
		surfaceVoxels(out, row, m, i, x, last, edge, strides[:rank-1])
	}
}

// ones returns 0x01 in each byte of w that is nonzero, 0x00 in the others.
func ones(w uint64) uint64 {
	return ((w & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | w) >> 7 & 0x0101010101010101
}

// surfaceVoxels is surfaceMask for the voxels [x0, x1) of one row (row, at
// index i of m), one at a time.
func surfaceVoxels(out, row, m []uint8, i, x0, x1 int, edge bool, strides []int) {
	last := len(row)
	for x := x0; x < x1; x++ {
		v := row[x]
		if v == 0 {
			// Background, eight at a time where the row allows.
			if x&7 == 0 && x+8 <= x1 && binary.LittleEndian.Uint64(row[x:]) == 0 {
				binary.LittleEndian.PutUint64(out[x:], 0x0101010101010101)
				x += 7
				continue
			}
			out[x] = 1
			continue
		}
		surf := edge || x == 0 || x == last-1 || row[x-1] == 0 || row[x+1] == 0
		for _, st := range strides {
			if surf {
				break
			}
			surf = m[i+x-st] == 0 || m[i+x+st] == 0
		}
		out[x] = 1
		if surf {
			out[x] = 0
		}
	}
}

// empty returns the value of a distance metric when a mask is empty, and
// whether one is.
func (s *Surfaces) empty() (float64, bool) {
	switch {
	case s.predEmpty && s.refEmpty:
		if s.policy == EmptyBounded {
			return 0, true
		}
		return math.NaN(), true
	case s.predEmpty || s.refEmpty:
		if s.policy == EmptyBounded {
			return s.diag, true
		}
		return math.Inf(1), true
	}
	return 0, false
}

func (s *Surfaces) sort() {
	if s.sorted {
		return
	}
	s.sortedP = append(s.sortedP[:0], s.PredToRef...)
	s.sortedR = append(s.sortedR[:0], s.RefToPred...)
	slices.Sort(s.sortedP)
	slices.Sort(s.sortedR)
	s.sorted = true
}

// percentile is numpy's default (linear) percentile of sorted a.
func percentile(a []float32, p float64) float64 {
	if len(a) == 0 {
		return math.NaN()
	}
	x := p / 100 * float64(len(a)-1)
	lo := int(math.Floor(x))
	hi := min(lo+1, len(a)-1)
	f := x - float64(lo)
	return float64(a[lo]) + (float64(a[hi])-float64(a[lo]))*f
}

// Hausdorff returns the percentile Hausdorff distance: with directed, the
// p-th percentile of PredToRef; otherwise the larger of the p-th
// percentiles of both directions (MONAI's HausdorffDistanceMetric with
// percentile p; p = 100 is the Hausdorff distance, 95 the HD95).
// Percentiles interpolate linearly between order statistics, as numpy's
// default. p outside [0, 100] is an error wrapping ErrOption.
func (s *Surfaces) Hausdorff(p float64, directed bool) (float64, error) {
	if !(p >= 0 && p <= 100) {
		return math.NaN(), fmt.Errorf("%w: percentile %v, want 0 <= p <= 100", ErrOption, p)
	}
	if v, ok := s.empty(); ok {
		return v, nil
	}
	s.sort()
	d := percentile(s.sortedP, p)
	if directed {
		return d, nil
	}
	return max(d, percentile(s.sortedR, p)), nil
}

// AverageDistance returns the mean of PredToRef, or with symmetric the
// mean of both directions together: the average symmetric surface
// distance (ASSD), MONAI's SurfaceDistanceMetric(symmetric=True).
func (s *Surfaces) AverageDistance(symmetric bool) float64 {
	if v, ok := s.empty(); ok {
		return v
	}
	var sum float64
	for _, d := range s.PredToRef {
		sum += float64(d)
	}
	k := len(s.PredToRef)
	if symmetric {
		for _, d := range s.RefToPred {
			sum += float64(d)
		}
		k += len(s.RefToPred)
	}
	return sum / float64(k)
}

// SurfaceDice returns the normalized surface Dice at tolerance tau
// (Nikolov et al. 2021; MONAI's SurfaceDiceMetric without subvoxels): the
// share of both surfaces' voxels within tau of the other surface,
// (|PredToRef <= tau| + |RefToPred <= tau|) / (|PredToRef| + |RefToPred|).
// One empty mask gives 0; both empty NaN (EmptyMONAI) or 1 (EmptyBounded).
// tau below 0 or NaN is an error wrapping ErrOption.
func (s *Surfaces) SurfaceDice(tau float64) (float64, error) {
	if !(tau >= 0) {
		return math.NaN(), fmt.Errorf("%w: tolerance %v, want >= 0", ErrOption, tau)
	}
	switch {
	case s.predEmpty && s.refEmpty:
		if s.policy == EmptyBounded {
			return 1, nil
		}
		return math.NaN(), nil
	case s.predEmpty || s.refEmpty:
		return 0, nil
	}
	var k int
	for _, d := range s.PredToRef {
		if float64(d) <= tau {
			k++
		}
	}
	for _, d := range s.RefToPred {
		if float64(d) <= tau {
			k++
		}
	}
	return float64(k) / float64(len(s.PredToRef)+len(s.RefToPred)), nil
}
