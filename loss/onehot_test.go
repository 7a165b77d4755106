package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOneHotPlane: the branch-free one-hot of a label plane, for int32
// and uint8 labels, against the comparison it replaces (1 exactly where
// the label is the class, +0 elsewhere).
func TestOneHotPlane(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	lab32 := make([]int32, 300)
	lab8 := make([]uint8, 300)
	for i := range lab32 {
		lab32[i] = int32(r.IntN(7)) - 1
		if i%50 == 0 {
			lab32[i] = math.MaxInt32 - int32(r.IntN(2))
		}
		lab8[i] = uint8(r.IntN(256))
	}
	y := make([]float32, 300)
	for _, c := range []int32{0, 1, 5, 255, math.MaxInt32} {
		oneHotPlane(y, lab32, c)
		for i, v := range lab32 {
			if want := b2f(v == c); math.Float32bits(y[i]) != math.Float32bits(want) {
				t.Fatalf("int32 class %d: y[%d] = %v for label %d", c, i, y[i], v)
			}
		}
		oneHotPlane(y, lab8, c)
		for i, v := range lab8 {
			if want := b2f(int32(v) == c); math.Float32bits(y[i]) != math.Float32bits(want) {
				t.Fatalf("uint8 class %d: y[%d] = %v for label %d", c, i, y[i], v)
			}
		}
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
