package distance

import (
	"fmt"
	"math"
	"slices"
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
}

// Compute finds the surfaces of pred and ref (nonzero: object; row-major,
// the length of shape's product) and their directed distances, in the
// units of opt.Spacing. Like MONAI it works in the bounding box of the
// two masks (exact: both surfaces lie inside it), computing one distance
// transform of that box per direction; memory is O(box) and is reused by
// later calls. pred and ref are not modified.
func (s *Surfaces) Compute(pred, ref []uint8, shape []int, opt *SurfaceOptions) error {
	n, err := volume(shape)
	if err != nil {
		return err
	}
	var o *Options
	policy := EmptyMONAI
	if opt != nil {
		o, policy = &opt.Options, opt.Empty
	}
	sp, err := o.spacing(len(shape))
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
	// The bounding box of both masks.
	b := box{make([]int, rank), make([]int, rank)}
	for a := range shape {
		b.lo[a], b.hi[a] = shape[a], 0
	}
	coord := make([]int, rank)
	s.predEmpty, s.refEmpty = true, true
	for i := 0; i < n; i++ {
		if i > 0 {
			for a := rank - 1; a >= 0; a-- {
				coord[a]++
				if coord[a] < shape[a] {
					break
				}
				coord[a] = 0
			}
		}
		if pred[i] == 0 && ref[i] == 0 {
			continue
		}
		if pred[i] != 0 {
			s.predEmpty = false
		}
		if ref[i] != 0 {
			s.refEmpty = false
		}
		for a, c := range coord {
			b.lo[a] = min(b.lo[a], c)
			b.hi[a] = max(b.hi[a], c+1)
		}
	}
	if s.predEmpty || s.refEmpty {
		return nil
	}
	sub := make([]int, rank)
	strides := make([]int, rank)
	vol, st := 1, 1
	for a := rank - 1; a >= 0; a-- {
		strides[a] = st
		st *= shape[a]
		sub[a] = b.hi[a] - b.lo[a]
		vol *= sub[a]
	}
	if cap(s.edges) < vol {
		s.edges, s.dist = make([]uint8, vol), make([]float32, vol)
	}
	edges, dist := s.edges[:vol], s.dist[:vol]
	// edges of one mask: 0 on its surface voxels (the features of the
	// transform), 1 elsewhere.
	surface := func(m []uint8) {
		forBox(b, sub, strides, func(j, i int) {
			edges[j] = 1
			if m[i] != 0 && onSurface(m, i, b, j, sub, strides) {
				edges[j] = 0
			}
		})
	}
	gather := func(m []uint8, out []float32) []float32 {
		forBox(b, sub, strides, func(j, i int) {
			if m[i] != 0 && onSurface(m, i, b, j, sub, strides) {
				out = append(out, dist[j])
			}
		})
		return out
	}
	surface(ref)
	transform(dist, edges, sub, sp, o, false)
	s.PredToRef = gather(pred, s.PredToRef)
	surface(pred)
	transform(dist, edges, sub, sp, o, false)
	s.RefToPred = gather(ref, s.RefToPred)
	return nil
}

// onSurface reports whether object voxel i of m (box index j) has a face
// neighbour outside the object or outside the box (the box holds every
// object voxel, so outside it is outside the object).
func onSurface(m []uint8, i int, b box, j int, sub, strides []int) bool {
	// The coordinate in the box along each axis, from j.
	r := j
	for a := len(sub) - 1; a >= 0; a-- {
		c := r % sub[a]
		r /= sub[a]
		if c == 0 || c == sub[a]-1 {
			return true
		}
		if m[i-strides[a]] == 0 || m[i+strides[a]] == 0 {
			return true
		}
	}
	return false
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
