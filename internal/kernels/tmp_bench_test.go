package kernels

import "testing"

func BenchmarkTmpFusedInCache(b *testing.B) {
	bb := getBatch(4)
	C, S := bb.C, 4096
	p := SoftmaxParams{C: C, Need: NeedCE, Scratch: bb.scr}
	c := SoftmaxCoef{C: C, CEScale: 1.0 / float32(S), Scratch: bb.scr}
	x := bb.x[:C*S]
	g := bb.g[:C*S]
	lab := bb.lab[:S]
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(x)))
		for b.Loop() {
			var out SoftmaxSums[float64]
			SoftmaxFusedRange(x, S, 0, S, lab, &p, &c, &bb.blk, &out, g)
		}
	})
}
