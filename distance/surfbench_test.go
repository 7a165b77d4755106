package distance

import "testing"

func BenchmarkSurfaces256(b *testing.B) {
	d := 256
	pred := ballMask(d)
	ref := make([]uint8, len(pred))
	copy(ref[1:], pred)
	var s Surfaces
	for b.Loop() {
		if err := s.Compute(pred, ref, []int{d, d, d}, nil); err != nil {
			b.Fatal(err)
		}
		s.Hausdorff(95, false)
	}
}

func BenchmarkWeightMap512(b *testing.B) {
	inst := make([]int32, 512*512)
	k := int32(0)
	for y := 4; y+30 < 512; y += 50 {
		for x := 4; x+30 < 512; x += 50 {
			k++
			for i := y; i < y+44; i++ {
				for j := x; j < x+49; j++ {
					inst[i*512+j] = k
				}
			}
		}
	}
	dst := make([]float32, len(inst))
	for b.Loop() {
		if err := WeightMap(dst, inst, []int{512, 512}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
