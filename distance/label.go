package distance

import (
	"fmt"
	"math"
)

// Components labels the connected components of the object voxels of
// mask (nonzero) into dst: 0 on background, 1, 2, ... count on the
// components, numbered in the raster order of their first voxel, as
// scipy.ndimage.label(mask, generate_binary_structure(rank, connectivity))
// does. connectivity is the most axes in which two neighbours may differ
// (by one step each): 1 is face connectivity (4 in 2-D, 6 in 3-D), rank is
// full connectivity (8 in 2-D, 26 in 3-D), 2 in 3-D is 18. It is a
// union-find over one raster scan and one relabelling pass; it allocates
// O(count of provisional labels). mask is not modified. Volumes of 2^31
// voxels or more are an error (the labels are int32).
func Components(dst []int32, mask []uint8, shape []int, connectivity int) (count int, err error) {
	n, err := volume(shape)
	if err != nil {
		return 0, err
	}
	rank := len(shape)
	if connectivity < 1 || connectivity > rank {
		return 0, fmt.Errorf("%w: connectivity %d, want 1..%d for a shape of %d axes", ErrOption, connectivity, rank, rank)
	}
	if len(mask) != n || len(dst) != n {
		return 0, fmt.Errorf("%w: mask has %d voxels and dst %d elements, want %d for shape %v", ErrLength, len(mask), len(dst), n, shape)
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d voxels, want fewer than 2^31 for int32 labels", ErrShape, n)
	}
	offs, err := backOffsets(shape, connectivity)
	if err != nil {
		return 0, err
	}
	// parent[l] is the union-find parent of provisional label l (1-based;
	// parent[0] unused).
	parent := []int32{0}
	find := func(l int32) int32 {
		for parent[l] != l {
			parent[l] = parent[parent[l]]
			l = parent[l]
		}
		return l
	}
	coord := make([]int, rank)
	for i := 0; i < n; i++ {
		if i > 0 {
			advance(coord, shape, rank)
		}
		if mask[i] == 0 {
			dst[i] = 0
			continue
		}
		var l int32
		for _, o := range offs {
			if !o.fits(coord, shape) {
				continue
			}
			m := dst[i-o.delta]
			if m == 0 {
				continue
			}
			if l == 0 {
				l = find(m)
				continue
			}
			if r := find(m); r != l {
				// Union by the smaller root, so a root is its set's first
				// provisional label.
				if r < l {
					r, l = l, r
				}
				parent[r] = l
			}
		}
		if l == 0 {
			l = int32(len(parent))
			parent = append(parent, l)
		}
		dst[i] = l
	}
	final := make([]int32, len(parent))
	var next int32
	for i, l := range dst {
		if l == 0 {
			continue
		}
		r := find(l)
		if final[r] == 0 {
			next++
			final[r] = next
		}
		dst[i] = final[r]
	}
	return int(next), nil
}

// offset is a neighbour earlier in raster order: delta voxels back, and
// for each axis the step (-1, 0 or 1) it takes.
type offset struct {
	delta int
	step  []int8
}

// fits reports whether the neighbour of coord at o is inside shape.
func (o offset) fits(coord, shape []int) bool {
	for a, s := range o.step {
		if (s < 0 && coord[a] == 0) || (s > 0 && coord[a] == shape[a]-1) {
			return false
		}
	}
	return true
}

// maxOffsets bounds the neighbours of the structuring element a call may
// use (each is checked at every voxel): 3^8/2 = 3280 is full connectivity
// in 8-D, beyond that the scan would be slower than useful.
const maxOffsets = 4096

// backOffsets returns the neighbours of the structuring element (steps in
// {-1, 0, 1} on at most connectivity axes, none on an axis of size 1) that
// come before a voxel in raster order, or ErrOption when there are more
// than maxOffsets.
func backOffsets(shape []int, connectivity int) ([]offset, error) {
	rank := len(shape)
	// Count first: Σ_{k=1..conn} C(m, k)·2^k / 2 over the m axes of size
	// > 1, so that no enumeration runs away.
	m := 0
	for _, d := range shape {
		if d > 1 {
			m++
		}
	}
	total, binom := 0.0, 1.0
	for k := 1; k <= min(connectivity, m); k++ {
		binom = binom * float64(m-k+1) / float64(k)
		total += binom * math.Pow(2, float64(k)) / 2
	}
	if total > maxOffsets {
		return nil, fmt.Errorf("%w: connectivity %d on %d axes longer than 1 has %.0f neighbours, want at most %d", ErrOption, connectivity, m, total, maxOffsets)
	}
	var out []offset
	step := make([]int8, rank)
	var rec func(a, nz int)
	rec = func(a, nz int) {
		if a == rank {
			delta, stride, first := 0, 1, int8(0)
			for b := rank - 1; b >= 0; b-- {
				if step[b] != 0 {
					first = step[b]
				}
				delta += int(step[b]) * stride
				stride *= shape[b]
			}
			// Earlier in raster order: the first axis that moves moves back.
			if nz > 0 && first < 0 {
				out = append(out, offset{-delta, append([]int8(nil), step...)})
			}
			return
		}
		step[a] = 0
		rec(a+1, nz)
		if shape[a] > 1 && nz < connectivity {
			for _, v := range []int8{-1, 1} {
				step[a] = v
				rec(a+1, nz+1)
			}
			step[a] = 0
		}
	}
	rec(0, 0)
	return out, nil
}
