package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxShortScratch runs every tier's softmax kernels with Scratch
// shorter than ScratchLen (2*C, all the generic tier needs, and 4*C-1): a
// tier that needs more falls back or recomputes, and every result still
// matches the generic tier.
func TestSoftmaxShortScratch(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(51, 52))
		for _, sc := range softmaxCases {
			for _, C := range []int{1, 2, 3, 5, 21} {
				for _, S := range []int{1, 5, 8, 37} {
					for _, n := range []int{2 * C, 4*C - 1} {
						im := newSoftmaxImage[uint8](r, C, S, 0, S, 3, 255, true, false)
						p, c := sc.params(r, C, 255, true)
						scr := newF32(n, 1)
						p.Scratch, c.Scratch = scr.s, scr.s
						where := fmt.Sprintf("%s %s C=%d S=%d scratch %d", tr.name, sc.name, C, S, n)
						got, want := newSums(C), newSums(C)
						tr.softmaxStatsU8(im.x.s, S, 0, S, im.lab.s, &p, &got)
						scr.check(t, where+" scratch")
						pg := p
						pg.Scratch = make([]float32, 2*C)
						softmaxStatsGeneric(im.x.s, S, 0, S, im.lab.s, &pg, &want)
						for k := 0; k < C; k++ {
							for i, pair := range [][2]float32{{got.P[k], want.P[k]}, {got.PY[k], want.PY[k]}, {got.Count[k], want.Count[k]}, {got.PP[k], want.PP[k]}} {
								if !sumClose(pair[0], pair[1], S*max(C, 4)) {
									t.Fatalf("%s: class %d sum %d = %v, generic %v", where, k, i, pair[0], pair[1])
								}
							}
						}
						for i, pair := range [][2]float32{{got.CE, want.CE}, {got.W, want.W}, {got.Focal, want.Focal}, {got.Valid, want.Valid}} {
							if !sumClose(pair[0], pair[1], S*max(C, 4)) {
								t.Fatalf("%s: sum %d (CE, W, Focal, Valid) = %v, generic %v", where, i, pair[0], pair[1])
							}
						}
						dst, ref := make([]float32, C*S), make([]float32, C*S)
						tr.softmaxGradU8(im.x.s, S, 0, S, im.lab.s, &c, dst)
						scr.check(t, where+" scratch")
						cg := c
						cg.Scratch = make([]float32, 2*C)
						softmaxGradGeneric(im.x.s, S, 0, S, im.lab.s, &cg, ref)
						scale := max(maxAbs(ref), coefFloor*coefScale(&c))
						for i := range ref {
							if !close32(dst[i], ref[i], gradTol, scale) {
								t.Fatalf("%s: grad %d = %v, generic %v", where, i, dst[i], ref[i])
							}
						}
					}
				}
			}
		}
	})
}
