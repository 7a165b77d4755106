package loss

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkTmpCE(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	sh := NewShape(8, 4, 512, 512)
	x := randLogits(r, sh.Len(), 2)
	lab := make([]int32, sh.N*sh.S)
	for i := range lab {
		lab[i] = int32(r.IntN(4))
	}
	g := make([]float32, sh.Len())
	m := Multiclass{Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{}}}, Workers: 1}
	var ws Workspace
	defer ws.Close()
	b.Run("fwd", func(b *testing.B) {
		for b.Loop() {
			m.Forward(&ws, x, I32(lab), sh)
		}
	})
	b.Run("bwd", func(b *testing.B) {
		for b.Loop() {
			m.Backward(&ws, x, I32(lab), sh, g)
		}
	})
}

func BenchmarkTmpCheckLabels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	lab := make([]int32, 8*512*512)
	for i := range lab {
		lab[i] = int32(r.IntN(4))
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if err := checkLabels(I32(lab), 4, Ignore(-100)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slow", func(b *testing.B) {
		for b.Loop() {
			if slowBadI32(lab, 4, Ignore(-100)) {
				b.Fatal("bad")
			}
		}
	})
}
