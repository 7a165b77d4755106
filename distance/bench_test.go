package distance

import (
	"fmt"
	"testing"
)

// ballMask is a test volume: balls of several radii inside a cube.
func ballMask(d int) []uint8 {
	m := make([]uint8, d*d*d)
	c := []struct{ x, y, z, r int }{{d / 2, d / 2, d / 2, d / 3}, {d / 5, d / 4, d / 5, d / 8}, {4 * d / 5, d / 5, 3 * d / 4, d / 6}}
	for z := 0; z < d; z++ {
		for y := 0; y < d; y++ {
			for x := 0; x < d; x++ {
				for _, b := range c {
					dx, dy, dz := x-b.x, y-b.y, z-b.z
					if dx*dx+dy*dy+dz*dz <= b.r*b.r {
						m[(z*d+y)*d+x] = 1
					}
				}
			}
		}
	}
	return m
}

func BenchmarkEDT3D(b *testing.B) {
	for _, d := range []int{128, 256} {
		mask := ballMask(d)
		dst := make([]float32, len(mask))
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%d/workers=%d", d, w), func(b *testing.B) {
				b.SetBytes(int64(len(mask)))
				for b.Loop() {
					if err := EDT(dst, mask, []int{d, d, d}, &Options{Workers: w}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
