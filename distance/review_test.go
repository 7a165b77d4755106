package distance

import (
	"errors"
	"math"
	"runtime"
	"testing"
)

// Regression tests for the findings of a review of the first version.

// TestSurfaces1D: a 1-D volume's surface distances are distances, not
// their square roots (the partial transform took the root twice).
func TestSurfaces1D(t *testing.T) {
	pred, ref := make([]uint8, 10), make([]uint8, 10)
	pred[0], ref[9] = 1, 1
	for _, shape := range [][]int{{10}, {1, 10}} {
		var s Surfaces
		if err := s.Compute(pred, ref, shape, nil); err != nil {
			t.Fatal(err)
		}
		hd, _ := s.Hausdorff(100, false)
		if hd != 9 || len(s.PredToRef) != 1 || s.PredToRef[0] != 9 {
			t.Errorf("shape %v: HD %v, PredToRef %v, want 9", shape, hd, s.PredToRef)
		}
	}
}

// TestWeightMapHugeReach: a reach longer than the image (huge sigma, or a
// reach/spacing beyond int) takes the whole axis instead of overflowing.
func TestWeightMapHugeReach(t *testing.T) {
	inst := []int32{1, 0, 0, 0, 0, 0, 0, 2}
	for _, o := range []*WeightOptions{
		{Sigma: 1e300},
		{Sigma: 2e18},
		{Sigma: 1e300, Options: Options{Workers: 2}},
		{Options: Options{Spacing: []float64{1e-18, 1e-18}}},
	} {
		dst := make([]float32, 8)
		if err := WeightMap(dst, inst, []int{2, 4}, o); err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		for i, v := range dst {
			if math.IsNaN(float64(v)) || v < 0 {
				t.Fatalf("%+v: pixel %d = %v", o, i, v)
			}
		}
	}
}

// TestTinySpacing: a spacing whose square leaves float32's normal range
// is an error (it made distances 0, read as background); so is a diagonal
// whose square leaves float32.
func TestTinySpacing(t *testing.T) {
	mask := []uint8{0, 1, 1, 1, 1, 1, 1, 1, 1}
	dst := make([]float32, 9)
	for _, sp := range [][]float64{{1e-25, 1e-25}, {1, 1e-20}, {1e19, 1}, {1e300, 1}} {
		if err := EDT(dst, mask, []int{3, 3}, &Options{Spacing: sp}); !errors.Is(err, ErrSpacing) {
			t.Errorf("spacing %v: err %v, want ErrSpacing", sp, err)
		}
	}
	// Small but representable: the unit-spacing distances times s.
	s := 1e-15
	if err := EDT(dst, mask, []int{3, 3}, &Options{Spacing: []float64{s, s}}); err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 2, 1, math.Sqrt2, math.Sqrt(5), 2, math.Sqrt(5), math.Sqrt(8)}
	for i, w := range want {
		if math.Abs(float64(dst[i])/s-w) > 1e-6*w {
			t.Fatalf("voxel %d = %v, want %v", i, float64(dst[i])/s, w)
		}
	}
}

// TestComponentsHighRank: the neighbours are enumerated only over axes
// longer than 1 and up to the connectivity, and too many are an error,
// not an exponential scan.
func TestComponentsHighRank(t *testing.T) {
	shape := make([]int, 20)
	for i := range shape {
		shape[i] = 1
	}
	dst := make([]int32, 1)
	n, err := Components(dst, []uint8{1}, shape, 20)
	if err != nil || n != 1 || dst[0] != 1 {
		t.Fatalf("single voxel of rank 20: %d %v %v", n, dst, err)
	}
	for i := range shape {
		shape[i] = 2
	}
	big := make([]uint8, 1<<20)
	if _, err := Components(make([]int32, 1<<20), big, shape, 20); !errors.Is(err, ErrOption) {
		t.Errorf("full connectivity in 20-D: err %v, want ErrOption", err)
	}
	if _, err := Components(make([]int32, 1<<20), big, shape, 1); err != nil {
		t.Errorf("face connectivity in 20-D: %v", err)
	}
}

// TestEDTScratchTallThin: the scratch follows min(tile, stride), not the
// full tile width (a 200000x1 volume allocated 68 MB for 0.8 MB).
func TestEDTScratchTallThin(t *testing.T) {
	n := 200000
	mask := make([]uint8, n)
	for i := range mask {
		mask[i] = uint8(i % 7)
	}
	dst := make([]float32, n)
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	if err := EDT(dst, mask, []int{n, 1}, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&b)
	if got := b.TotalAlloc - a.TotalAlloc; got > 40*uint64(n) {
		t.Errorf("allocated %d bytes for a %d-voxel volume, want O(volume)", got, n)
	}
	for i, m := range mask {
		want := float32(0)
		if m != 0 {
			want = float32(min(i%7, 7-i%7))
		}
		if dst[i] != want {
			t.Fatalf("voxel %d = %v, want %v", i, dst[i], want)
		}
	}
}

// TestLongAxis: an axis of 2^31 voxels or more is ErrShape (the envelope's
// vertices are int32).
func TestLongAxis(t *testing.T) {
	if err := EDT(nil, nil, []int{1 << 31}, nil); !errors.Is(err, ErrShape) {
		t.Errorf("err %v, want ErrShape", err)
	}
}

// TestWeightMapFromMaskBadOptions: a bad option leaves instances as it
// was.
func TestWeightMapFromMaskBadOptions(t *testing.T) {
	inst := []int32{7, 7, 7, 7}
	err := WeightMapFromMask(make([]float32, 4), []uint8{1, 0, 0, 1}, inst, []int{2, 2}, 1, &WeightOptions{W0: -1})
	if !errors.Is(err, ErrOption) || inst[0] != 7 || inst[3] != 7 {
		t.Errorf("err %v, instances %v", err, inst)
	}
}
