//go:build !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestSoftmaxGradNonTemporal runs the gradient kernels on an image large
// enough (C*S*4 >= ntBytes) for their non-temporal stores, with dst 64-byte
// aligned, on aligned and unaligned blocks, full and with a tail, against
// the generic gradient.
func TestSoftmaxGradNonTemporal(t *testing.T) {
	const C = 4
	S := ntBytes / (4 * C)
	r := rand.New(rand.NewPCG(3, 4))
	x := randLogits(r, C*S, 4, false)
	lab := make([]uint8, S)
	for i := range lab {
		lab[i] = uint8(r.IntN(C))
		if r.IntN(9) == 0 {
			lab[i] = 255
		}
	}
	buf := make([]float32, C*S+16)
	off := (64 - int(uintptr(unsafe.Pointer(&buf[0]))%64)) % 64 / 4
	dst := buf[off : off+C*S]
	ref := make([]float32, C*S)
	blocks := [][2]int{{0, BlockSize}, {5 * BlockSize, 6 * BlockSize}, {S - BlockSize, S}, {16, 16 + 1000}, {3, 3 + BlockSize}}
	forTiers(t, func(t *testing.T, tr *tier) {
		for _, sc := range softmaxCases {
			_, c := sc.params(r, C, 255, true)
			c.Scratch = make([]float32, ScratchLen(C))
			cg := c
			cg.Scratch = make([]float32, 2*C)
			for _, b := range blocks {
				lo, hi := b[0], b[1]
				for i := range dst {
					dst[i], ref[i] = -7, -7
				}
				tr.softmaxGradU8(x, S, lo, hi, lab, &c, dst)
				softmaxGradGeneric(x, S, lo, hi, lab, &cg, ref)
				scale := max(maxAbs(ref), coefFloor*coefScale(&c))
				where := fmt.Sprintf("%s %s [%d,%d)", tr.name, sc.name, lo, hi)
				for k := 0; k < C; k++ {
					for i := lo - 1; i <= hi; i++ {
						if i < 0 || i >= S {
							continue
						}
						j := k*S + i
						if !close32(dst[j], ref[j], gradTol, scale) {
							t.Fatalf("%s: grad class %d pixel %d = %v, generic %v", where, k, i, dst[j], ref[j])
						}
					}
				}
			}
		}
	})
}
