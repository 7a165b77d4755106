package distance_test

import (
	"fmt"

	"github.com/segloss/segloss/distance"
)

// The distance of each object voxel to the background, on a 3 x 5 mask
// with anisotropic pixels (rows 2 units apart, columns 1).
func ExampleEDT() {
	mask := []uint8{
		0, 1, 1, 1, 0,
		1, 1, 1, 1, 1,
		1, 1, 1, 1, 1,
	}
	dst := make([]float32, len(mask))
	if err := distance.EDT(dst, mask, []int{3, 5}, &distance.Options{Spacing: []float64{2, 1}}); err != nil {
		fmt.Println(err)
		return
	}
	for r := 0; r < 3; r++ {
		fmt.Printf("%.3g\n", dst[r*5:(r+1)*5])
	}
	// Output:
	// [0 1 2 1 0]
	// [2 2.24 2.83 2.24 2]
	// [4 4.12 4.47 4.12 4]
}

// The boundary loss's signed map of a square: negative inside, 0 on its
// boundary, positive outside.
func ExampleSignedMap() {
	mask := []uint8{
		0, 0, 0, 0, 0,
		0, 1, 1, 1, 0,
		0, 1, 1, 1, 0,
		0, 1, 1, 1, 0,
		0, 0, 0, 0, 0,
	}
	dst := make([]float32, len(mask))
	if err := distance.SignedMap(dst, mask, []int{5, 5}, nil); err != nil {
		fmt.Println(err)
		return
	}
	for r := 0; r < 5; r++ {
		fmt.Printf("%.3g\n", dst[r*5:(r+1)*5])
	}
	// Output:
	// [1.41 1 1 1 1.41]
	// [1 0 0 0 1]
	// [1 0 -1 0 1]
	// [1 0 0 0 1]
	// [1.41 1 1 1 1.41]
}

// Two touching objects in a mask separated by a one-pixel gap: the
// components, and the U-Net weight map, high in the gap.
func ExampleWeightMapFromMask() {
	mask := []uint8{
		1, 1, 0, 1, 1,
		1, 1, 0, 1, 1,
		0, 0, 0, 0, 0,
	}
	inst := make([]int32, len(mask))
	w := make([]float32, len(mask))
	opt := &distance.WeightOptions{ClassWeights: []float64{1, 1}, Sigma: 2}
	if err := distance.WeightMapFromMask(w, mask, inst, []int{3, 5}, 1, opt); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst[:5])
	fmt.Printf("%.3g\n", w[:5])
	fmt.Printf("%.3g\n", w[10:])
	// Output:
	// [1 1 0 2 2]
	// [1 1 7.07 1 1]
	// [2.15 3.7 4.68 3.7 2.15]
}

// HD95, ASSD and surface Dice at 1 pixel between two squares one pixel
// apart.
func ExampleSurfaces() {
	pred := make([]uint8, 64)
	ref := make([]uint8, 64)
	for r := 2; r < 6; r++ {
		for c := 2; c < 6; c++ {
			pred[r*8+c] = 1
			ref[r*8+c+1] = 1
		}
	}
	var s distance.Surfaces
	if err := s.Compute(pred, ref, []int{8, 8}, nil); err != nil {
		fmt.Println(err)
		return
	}
	hd95, _ := s.Hausdorff(95, false)
	nsd, _ := s.SurfaceDice(1)
	fmt.Printf("HD95 %.3g, ASSD %.3g, NSD(1) %.3g\n", hd95, s.AverageDistance(true), nsd)
	// Output:
	// HD95 1, ASSD 0.5, NSD(1) 1
}
