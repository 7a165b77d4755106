package loss

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkWorkers measures the parallel passes: CE + Dice forward+backward
// on a 14-class 96^3 volume and on a tiny 1x2x16x16 input (which stays on
// the caller's goroutine), for 1 and 2 workers.
func BenchmarkWorkers(b *testing.B) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, sh := range []Shape{NewShape(1, 14, 96, 96, 96), NewShape(1, 2, 16, 16)} {
		x := randLogits(r, sh.Len(), 2)
		lab := make([]int32, sh.N*sh.S)
		for i := range lab {
			lab[i] = int32(r.IntN(sh.C))
		}
		g := make([]float32, sh.Len())
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("shape=%dx%dx%d/workers=%d", sh.N, sh.C, sh.S, w), func(b *testing.B) {
				m := CombinedLoss(0.5, 0.5)
				m.Workers = w
				var ws Workspace
				defer ws.Close()
				b.SetBytes(int64(4 * sh.Len())) // logits per second
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Backward(&ws, x, I32(lab), sh, g); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
