package kernels

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// guardF32 returns n float32 ending at a PROT_NONE page, holding x.
func guardF32(t *testing.T, x []float32) []float32 {
	b := guardPageBytes(t, 4*len(x))
	var s []float32
	if len(x) > 0 {
		s = unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(x))
	}
	copy(s, x)
	return s
}

func guardI32(t *testing.T, x []int32) []int32 {
	b := guardPageBytes(t, 4*len(x))
	var s []int32
	if len(x) > 0 {
		s = unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(x))
	}
	copy(s, x)
	return s
}

func guardU8(t *testing.T, x []uint8) []uint8 {
	b := guardPageBytes(t, len(x))
	copy(b, x)
	return b
}

// TestGuardPagesElementwise runs the elementwise kernels on inputs and
// outputs that end where an unreadable page begins.
func TestGuardPagesElementwise(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, op := range elementwiseOps {
			for _, n := range lengths() {
				x := guardF32(t, randLogits(r, n, 4, false))
				dst := guardF32(t, make([]float32, n))
				op.get(tr)(dst, x)
			}
		}
	})
}
