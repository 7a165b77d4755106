package distance

import (
	"math"
	"math/rand/v2"
	"testing"
)

// wholeSurfaces is Surfaces.Compute's distances by the whole partial
// transform of the box (no lazy lines, no windowed search): pred's surface
// to ref's and back, or nil when a mask is empty.
func wholeSurfaces(pred, ref []uint8, shape []int, sp []float64) ([]float32, []float32) {
	b, pa, ra := bounds(pred, ref, shape)
	if !pa || !ra {
		return nil, nil
	}
	sub := make([]int, len(shape))
	vol := 1
	for a := range shape {
		sub[a] = b.hi[a] - b.lo[a]
		vol *= sub[a]
	}
	eP, eR, dist := make([]uint8, vol), make([]uint8, vol), make([]float32, vol)
	surfaceMask(eP, pred, shape, b, sub)
	surfaceMask(eR, ref, shape, b, sub)
	transform(dist, eR, sub, sp, nil, false, true)
	p := gatherAt(nil, eP, dist, sub, sp[0])
	transform(dist, eP, sub, sp, nil, false, true)
	return p, gatherAt(nil, eR, dist, sub, sp[0])
}

// TestSurfacesLazy: the surface distances of Compute (axis 1's lines only
// where read, the windowed search at unit spacing) are, bit for bit, those
// of the whole partial transform, for masks of rank 2 to 4 whose surfaces
// are near (the search), far apart (the lines, with the search giving up),
// or both, unit and other spacings, and 1 or 3 workers.
func TestSurfacesLazy(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 120; trial++ {
		rank := 2 + r.IntN(3)
		shape := make([]int, rank)
		n := 1
		for a := range shape {
			shape[a] = 2 + r.IntN([]int{8, 30, 70}[r.IntN(3)])
			if n*shape[a] > 200000 {
				shape[a] = 2
			}
			n *= shape[a]
		}
		sp := make([]float64, rank)
		unit := trial%3 != 0
		for a := range sp {
			sp[a] = 1
			if !unit {
				sp[a] = []float64{1, 0.7, 2.5, 1.3}[r.IntN(4)]
			}
		}
		// Balls: ref's the same as pred's, shifted and grown, or elsewhere.
		pred, ref := make([]uint8, n), make([]uint8, n)
		coord := make([]int, rank)
		for k := 0; k < 1+r.IntN(4); k++ {
			c := make([]float64, rank)
			for a := range c {
				c[a] = r.Float64() * float64(shape[a])
			}
			rad := 1 + r.Float64()*float64(shape[0])/3
			shift := r.Float64() * 3
			far := r.IntN(3) == 0
			clear(coord)
			for i := 0; i < n; i++ {
				var d2, e2 float64
				for a := range coord {
					x := float64(coord[a]) - c[a]
					d2 += x * x
					if a == rank-1 {
						x -= shift
					}
					if far && a == 0 {
						x = float64(coord[a]) - (float64(shape[0]) - c[a])
					}
					e2 += x * x
				}
				if d2 <= rad*rad {
					pred[i] = 1
				}
				if e2 <= (rad+shift)*(rad+shift) {
					ref[i] = 1
				}
				advance(coord, shape, rank)
			}
		}
		wp, wr := wholeSurfaces(pred, ref, shape, sp)
		for _, w := range []int{1, 3} {
			var s Surfaces
			if err := s.Compute(pred, ref, shape, &SurfaceOptions{Options: Options{Spacing: sp, Workers: w}}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"pred to ref", s.PredToRef, wp}, {"ref to pred", s.RefToPred, wr}} {
				if len(c.got) != len(c.want) {
					t.Fatalf("trial %d shape %v: %s has %d distances, want %d", trial, shape, c.name, len(c.got), len(c.want))
				}
				for i := range c.got {
					if math.Float32bits(c.got[i]) != math.Float32bits(c.want[i]) {
						t.Fatalf("trial %d shape %v sp %v workers %d: %s %d = %v, want %v", trial, shape, sp, w, c.name, i, c.got[i], c.want[i])
					}
				}
			}
		}
	}
}

// TestWindowAtGivesUp: a voxel far from every site is left to the lines
// after windowReads reads, and one next to a site is found at once.
func TestWindowAtGivesUp(t *testing.T) {
	n := 100
	g := make([]float32, n*n)
	for i := range g {
		g[i] = float32(math.Inf(1))
	}
	g[0] = 0
	if d, ok := windowAt(g, 99, 99, 0, n, n, 1); ok {
		t.Errorf("far voxel: %v, want a give-up", d)
	}
	if d, ok := windowAt(g, 1, 1, 0, n, n, 1); !ok || d != 2 {
		t.Errorf("near voxel: %v %v, want 2", d, ok)
	}
}

// TestSurfacesLazyFar: two balls far apart at unit spacing (every windowed
// search gives up, then the rest of the voxels go to the lines at once) and
// a third pair close together (found by the search), against the whole
// transform, bit for bit.
func TestSurfacesLazyFar(t *testing.T) {
	d := 64
	shape := []int{d, d, d}
	pred, ref := make([]uint8, d*d*d), make([]uint8, d*d*d)
	ball := func(m []uint8, cz, cy, cx, r int) {
		for z := 0; z < d; z++ {
			for y := 0; y < d; y++ {
				for x := 0; x < d; x++ {
					if (z-cz)*(z-cz)+(y-cy)*(y-cy)+(x-cx)*(x-cx) <= r*r {
						m[(z*d+y)*d+x] = 1
					}
				}
			}
		}
	}
	ball(pred, 10, 10, 10, 8)
	ball(ref, 52, 50, 54, 9)
	ball(pred, 12, 50, 40, 6)
	ball(ref, 12, 51, 41, 6)
	wp, wr := wholeSurfaces(pred, ref, shape, []float64{1, 1, 1})
	for _, w := range []int{1, 2} {
		var s Surfaces
		if err := s.Compute(pred, ref, shape, &SurfaceOptions{Options: Options{Workers: w}}); err != nil {
			t.Fatal(err)
		}
		if len(s.PredToRef) != len(wp) || len(s.RefToPred) != len(wr) {
			t.Fatalf("%d and %d distances, want %d and %d", len(s.PredToRef), len(s.RefToPred), len(wp), len(wr))
		}
		for i := range wp {
			if math.Float32bits(s.PredToRef[i]) != math.Float32bits(wp[i]) {
				t.Fatalf("workers %d: pred to ref %d = %v, want %v", w, i, s.PredToRef[i], wp[i])
			}
		}
		for i := range wr {
			if math.Float32bits(s.RefToPred[i]) != math.Float32bits(wr[i]) {
				t.Fatalf("workers %d: ref to pred %d = %v, want %v", w, i, s.RefToPred[i], wr[i])
			}
		}
		if hd, _ := s.Hausdorff(100, false); hd < 40 {
			t.Errorf("Hausdorff %v, want the far balls' distance (> 40)", hd)
		}
	}
}

// TestSurfaceMaskWords: the surface mask, eight voxels a word, is the
// definition (an object voxel with a face neighbour outside the object or
// the box) voxel by voxel, for random masks of every byte value, ranks 1
// to 4 and densities.
func TestSurfaceMaskWords(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 300; trial++ {
		rank := 1 + r.IntN(4)
		shape := make([]int, rank)
		n := 1
		for a := range shape {
			shape[a] = 1 + r.IntN([]int{3, 12, 40}[r.IntN(3)])
			n *= shape[a]
		}
		p := []float64{0.1, 0.6, 0.95, 1}[r.IntN(4)]
		m := make([]uint8, n)
		for i := range m {
			if r.Float64() < p {
				m[i] = uint8(1 + r.IntN(255))
			}
		}
		b, any, _ := bounds(m, m, shape)
		if !any {
			continue
		}
		sub := make([]int, rank)
		vol := 1
		for a := range shape {
			sub[a] = b.hi[a] - b.lo[a]
			vol *= sub[a]
		}
		e := make([]uint8, vol)
		surfaceMask(e, m, shape, b, sub)
		coord := make([]int, rank)
		for j := 0; j < vol; j++ {
			i, st := 0, 1
			for a := rank - 1; a >= 0; a-- {
				i += (b.lo[a] + coord[a]) * st
				st *= shape[a]
			}
			want := uint8(1)
			if m[i] != 0 {
				st := 1
				for a := rank - 1; a >= 0; a-- {
					for _, d := range []int{-1, 1} {
						c := coord[a] + d
						if c < 0 || c >= sub[a] || m[i+d*st] == 0 {
							want = 0
						}
					}
					st *= shape[a]
				}
			}
			if e[j] != want {
				t.Fatalf("trial %d shape %v box %v: voxel %v = %d, want %d", trial, shape, b, coord, e[j], want)
			}
			advance(coord, sub, rank)
		}
	}
}
