package loss

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// BenchmarkBinaryTargets measures the Binary passes whose targets (and, for
// NoActivation, inputs) are validated: Dice forward, Dice forward+backward
// and BCE forward+backward on 8x1x512x512 soft targets, one worker, for
// logits and for probabilities.
func BenchmarkBinaryTargets(b *testing.B) {
	r := rand.New(rand.NewPCG(21, 22))
	sh := NewShape(8, 1, 512, 512)
	x := randLogits(r, sh.Len(), 2)
	p := make([]float32, sh.Len())
	y := make([]float32, sh.Len())
	for i := range y {
		y[i] = r.Float32()
		p[i] = r.Float32()
	}
	g := make([]float32, sh.Len())
	for _, act := range []Activation{FromLogits, NoActivation} {
		in := x
		name := "logits"
		if act == NoActivation {
			in, name = p, "probs"
		}
		for _, c := range []struct {
			name string
			term Term
			back bool
		}{{"dice/fwd", Dice(), false}, {"dice/fwdbwd", Dice(), true}, {"bce/fwdbwd", &BCE{}, true}} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				l := &Binary{Terms: []Weighted{{1, c.term}}, Activation: act, Workers: 1}
				var ws Workspace
				defer ws.Close()
				b.SetBytes(int64(4 * sh.Len()))
				for b.Loop() {
					var err error
					if c.back {
						_, err = l.Backward(&ws, in, y, sh, g)
					} else {
						_, err = l.Forward(&ws, in, y, sh)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLovasz measures the Lovász-softmax and Lovász-hinge losses,
// forward and forward+backward, on the bench's 8x4x256x256 workload
// (labels in blocks with 10% noise, logits 2 higher on the label's class;
// binary targets label == 1, logits N(0,1) + 3y - 1.5), and the
// implementation before the packed sort (-ref, lovasz_ref_test.go).
func BenchmarkLovasz(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	sh := NewShape(8, 4, 256, 256)
	bsh := NewShape(8, 1, 256, 256)
	lab := make([]uint8, sh.N*sh.S)
	for i := range lab {
		px := i % sh.S
		h, x := px/256, px%256
		if k := ((h/64)*7 + (x/48)*3) % (sh.C + 3); k < sh.C {
			lab[i] = uint8(k)
		}
		if r.IntN(10) == 0 {
			lab[i] = uint8(r.IntN(sh.C))
		}
	}
	x := make([]float32, sh.Len())
	for i := range x {
		img, cls, px := i/(sh.C*sh.S), (i/sh.S)%sh.C, i%sh.S
		x[i] = float32(r.NormFloat64())
		if int(lab[img*sh.S+px]) == cls {
			x[i] += 2
		}
	}
	bx := make([]float32, bsh.Len())
	y := make([]float32, bsh.Len())
	for i := range y {
		if lab[i] == 1 {
			y[i] = 1
		}
		bx[i] = float32(r.NormFloat64()) + 3*y[i] - 1.5
	}
	g := make([]float32, sh.Len())
	for _, c := range []struct {
		name string
		f    func(grad []float32) (float64, error)
	}{
		{"softmax", func(grad []float32) (float64, error) { return (&Lovasz{}).Loss(x, U8(lab), sh, 1, grad) }},
		{"hinge", func(grad []float32) (float64, error) { return (&Lovasz{}).BinaryLoss(bx, y, bsh, 1, grad) }},
		{"softmax-ref", func(grad []float32) (float64, error) { return refLovaszLoss(&Lovasz{}, x, U8(lab), sh, 1, grad) }},
		{"hinge-ref", func(grad []float32) (float64, error) { return refLovaszBinaryLoss(&Lovasz{}, bx, y, bsh, 1, grad) }},
	} {
		for _, bwd := range []bool{false, true} {
			mode := "forward"
			if bwd {
				mode = "fwd+bwd"
			}
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var grad []float32
					if bwd {
						grad = g[:len(bx)]
						if strings.HasPrefix(c.name, "softmax") {
							grad = g
						}
					}
					if _, err := c.f(grad); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
