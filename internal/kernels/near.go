package kernels

import "math"

// The weight map's last pass (distance.WeightMap's nearest two instances,
// along the rows): for each voxel of a row, the nearest instance and then
// the nearest other one, by scans outward from the voxel over the values
// of the earlier passes. The assembly tiers scan eight neighbouring voxels
// of the row at once.

// NearScan1 writes into o1[y] and h1[y], for each voxel y in [0, n) of a
// row, the least f1(t) + dsq[|t-y|] over the voxels t of the row and the
// id g1(t) of the first to reach it, in the order of a scan outward from y
// (t = y-d before y+d, d from 0 up; ties keep the earlier): the nearest
// instance and its id, given per voxel the distance f1 and id g1 of its
// nearest over the axes before. Each sum is a float32 addition. The scan
// of y stops before a step d whose square dsq[d] is at least the best so
// far or exceeds lim1, or at d = len(dsq): where it finds nothing, o1[y]
// is +Inf and h1[y] 0.
//
// Voxel t of the row is f1[pad+t] and g1[pad+t]; f1 holds +Inf (g1 any
// id) at the pad elements before the row and the pad+7 after it. Every f1
// and dsq is >= 0 or +Inf, dsq non-decreasing (kernels.EDTSquares), pad
// >= len(dsq)-1 >= 0. It returns an error wrapping ErrArg, having written
// nothing, when a slice is too short for that; it writes o1 and h1 at [0,
// n) only.
func NearScan1(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f1)) || len(o1) < n || len(h1) < n {
		return argErr("NearScan1", "a row of %d voxels padded by %d with %d steps does not fit its slices", n, pad, len(dsq))
	}
	if f := active.Load().nearScan1; f != nil {
		f(o1, h1, f1, g1, dsq, pad, n, lim1)
		return nil
	}
	nearScan1Generic(o1, h1, f1, g1, dsq, pad, n, lim1)
	return nil
}

// NearScan2 writes into o2[y], for each voxel y in [0, n) of a row, the
// least c(t) + dsq[|t-y|] over the voxels t of the row, c(t) = f2(t) where
// g1(t) is h1[y] and f1(t) elsewhere: the nearest instance other than
// h1[y], given per voxel the nearest over the axes before (f1, id g1) and
// the nearest other than g1 (f2). The scan of y, outward from it, stops
// before a step d whose square dsq[d] is at least the best so far or
// exceeds lim2[y], or at d = len(dsq); o2[y] is the best it found where
// that is at most lim2[y], else +Inf (a negative lim2 asks nothing). The
// rows f1, g1, f2 are as NearScan1's (f2 +Inf at the same padding); h1
// and lim2 hold n elements. It returns an error wrapping ErrArg, having
// written nothing, when a slice is too short; it writes o2 at [0, n) only.
func NearScan2(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f2)) || len(o2) < n || len(h1) < n || len(lim2) < n {
		return argErr("NearScan2", "a row of %d voxels padded by %d with %d steps does not fit its slices", n, pad, len(dsq))
	}
	if f := active.Load().nearScan2; f != nil {
		f(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
		return nil
	}
	nearScan2Generic(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
	return nil
}

// HasNearScan reports whether the active tier scans vectors of voxels in
// NearScan1 and NearScan2 (the assembly tiers).
func HasNearScan() bool { return active.Load().nearScan1 != nil }

// nearOK reports whether a row of n voxels, padded by pad, fits rows of
// lengths a, b, c (each at least n + 2·pad + 7) for a scan of steps steps.
func nearOK(n, pad, steps, a, b, c int) bool {
	// No overflow: pad <= min(a, b, c), so min(a, b, c) - 2·pad >= -maxint.
	return n >= 0 && steps >= 1 && pad >= steps-1 && pad <= min(a, b, c) && n <= min(a, b, c)-2*pad-7
}

// nearScan1Generic is NearScan1's specification (arguments checked).
func nearScan1Generic(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) {
	inf := float32(math.Inf(1))
	for y := 0; y < n; y++ {
		best, k := inf, int32(0)
		for d, ds := range dsq {
			if ds >= best || ds > lim1 {
				break
			}
			if c := f1[pad+y-d] + ds; c < best {
				best, k = c, g1[pad+y-d]
			}
			if c := f1[pad+y+d] + ds; c < best {
				best, k = c, g1[pad+y+d]
			}
		}
		o1[y], h1[y] = best, k
	}
}

// nearScan2Generic is NearScan2's specification (arguments checked).
func nearScan2Generic(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) {
	inf := float32(math.Inf(1))
	for y := 0; y < n; y++ {
		k, lim := h1[y], lim2[y]
		best := inf
		for d, ds := range dsq {
			if ds >= best || ds > lim {
				break
			}
			for _, t := range [2]int{pad + y - d, pad + y + d} {
				c := f1[t]
				if g1[t] == k {
					c = f2[t]
				}
				best = min(best, c+ds)
			}
		}
		if !(best <= lim) {
			best = inf
		}
		o2[y] = best
	}
}
