package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the hot paths of the losses, on every tier: a batch of
// 8 images of 512x512 pixels, C = 4 classes (softmax) or 1 plane per image
// (sigmoid), against the memory roofline kernels (Copy of the logits into
// the gradient buffer, Sum over logits and targets). Compare tiers with
// benchstat:
//
//	go test -run '^$' -bench . -count 6 ./kernels/ > new.txt
//	(cd gen && go tool benchstat ../new.txt)

const benchN, benchS = 8, 512 * 512

type benchBatch struct {
	C      int
	x, g   []float32
	lab    []uint8
	y      []float32
	scr    []float32
	blk    SoftmaxSums[float32]
	out    SoftmaxSums[float64]
	coef   SoftmaxCoef
	params SoftmaxParams
}

func newBenchBatch(C int) *benchBatch {
	r := rand.New(rand.NewPCG(1, 1))
	b := &benchBatch{C: C}
	b.x = make([]float32, benchN*C*benchS)
	for i := range b.x {
		b.x[i] = 2 * float32(r.NormFloat64())
	}
	b.g = make([]float32, len(b.x))
	b.lab = make([]uint8, benchN*benchS)
	for i := range b.lab {
		b.lab[i] = uint8(r.IntN(C))
	}
	b.y = make([]float32, benchN*C*benchS)
	for i := range b.y {
		b.y[i] = float32(r.IntN(2))
	}
	b.scr = make([]float32, ScratchLen(C))
	b.blk = newSums(C)
	b.out = SoftmaxSums[float64]{P: make([]float64, C), PY: make([]float64, C), Count: make([]float64, C), PP: make([]float64, C)}
	return b
}

var benchBatches = map[int]*benchBatch{}

func getBatch(C int) *benchBatch {
	if b, ok := benchBatches[C]; ok {
		return b
	}
	b := newBenchBatch(C)
	benchBatches[C] = b
	return b
}

// forBenchTiers runs f once per tier as a sub-benchmark.
func forBenchTiers(b *testing.B, f func(b *testing.B)) {
	prev := Active()
	defer Use(prev)
	for _, name := range Available() {
		b.Run(name, func(b *testing.B) {
			Use(name)
			f(b)
		})
	}
}

// softmaxPasses runs the statistics pass and the gradient pass of every
// image, as loss.Multiclass.Backward does.
func (bb *benchBatch) softmaxPasses(region bool) {
	C, S := bb.C, benchS
	bb.params = SoftmaxParams{C: C, Need: NeedCE, Scratch: bb.scr}
	bb.coef = SoftmaxCoef{C: C, CEScale: 1.0 / float32(benchN*S), Scratch: bb.scr}
	if region {
		bb.params.Need |= NeedRegion
		bb.coef.A, bb.coef.B, bb.coef.E = make([]float32, C), make([]float32, C), make([]float32, C)
		for c := 0; c < C; c++ {
			bb.coef.A[c], bb.coef.B[c] = -1e-6, 3e-7
		}
	}
	for n := 0; n < benchN; n++ {
		x := bb.x[n*C*S : (n+1)*C*S]
		clear(bb.out.P)
		SoftmaxImage(x, S, bb.lab[n*S:(n+1)*S], &bb.params, &bb.blk, &bb.out)
	}
	for n := 0; n < benchN; n++ {
		x, g := bb.x[n*C*S:(n+1)*C*S], bb.g[n*C*S:(n+1)*C*S]
		SoftmaxGrad(x, S, bb.lab[n*S:(n+1)*S], &bb.coef, g)
	}
}

// BenchmarkSoftmaxCE: fused softmax cross entropy, forward and backward, 8x4x512x512.
func BenchmarkSoftmaxCE(b *testing.B) {
	bb := getBatch(4)
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			bb.softmaxPasses(false)
		}
	})
}

// BenchmarkSoftmaxCEFused: the same loss in one fused pass per image
// (SoftmaxFusedRange: the statistics and the gradient together), as
// loss.Multiclass.Backward runs a loss of pixelwise terms only.
func BenchmarkSoftmaxCEFused(b *testing.B) {
	bb := getBatch(4)
	C, S := bb.C, benchS
	p := SoftmaxParams{C: C, Need: NeedCE, Scratch: bb.scr}
	c := SoftmaxCoef{C: C, CEScale: 1.0 / float32(benchN*S), Scratch: bb.scr}
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			for n := 0; n < benchN; n++ {
				x, g := bb.x[n*C*S:(n+1)*C*S], bb.g[n*C*S:(n+1)*C*S]
				var out SoftmaxSums[float64]
				SoftmaxFusedRange(x, S, 0, S, bb.lab[n*S:(n+1)*S], &p, &c, &bb.blk, &out, g)
			}
		}
	})
}

// BenchmarkSoftmaxCEDice: cross entropy + multi-class Dice, forward and backward.
func BenchmarkSoftmaxCEDice(b *testing.B) {
	bb := getBatch(4)
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			bb.softmaxPasses(true)
		}
	})
}

// BenchmarkCopy: the roofline of a gradient pass, the logits copied into the
// gradient buffer (8x4x512x512).
func BenchmarkCopy(b *testing.B) {
	bb := getBatch(4)
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			Copy(bb.g, bb.x)
		}
	})
}

// BenchmarkSigmoidDice: binary Dice forward (the sigmoid statistics) on 8x1x512x512.
func BenchmarkSigmoidDice(b *testing.B) {
	bb := getBatch(1)
	p := SigmoidParams{Need: NeedRegion, PosWeight: 1, FocalAlpha: -1}
	var blk SigmoidSums[float32]
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			for n := 0; n < benchN; n++ {
				var out SigmoidSums[float64]
				SigmoidPlane(bb.x[n*benchS:(n+1)*benchS], bb.y[n*benchS:(n+1)*benchS], &p, &blk, &out)
			}
		}
	})
}

// BenchmarkSum: the roofline of the sigmoid statistics, a plain sum over the
// logits and the targets (8x1x512x512 each).
func BenchmarkSum(b *testing.B) {
	bb := getBatch(1)
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * len(bb.x)))
		for b.Loop() {
			Sum(bb.x)
			Sum(bb.y)
		}
	})
}

// BenchmarkSoftmaxCEHot is BenchmarkSoftmaxCE on one image of 128x128 pixels
// (C = 4, 256 KB of logits: cache resident), the compute-bound rate of the
// same passes.
func BenchmarkSoftmaxCEHot(b *testing.B) {
	bb := getBatch(4)
	const S = 128 * 128
	C := 4
	p := SoftmaxParams{C: C, Need: NeedCE, Scratch: bb.scr}
	c := SoftmaxCoef{C: C, CEScale: 1.0 / S, Scratch: bb.scr}
	x, g, lab := bb.x[:C*S], bb.g[:C*S], bb.lab[:S]
	forBenchTiers(b, func(b *testing.B) {
		b.SetBytes(int64(4 * C * S))
		for b.Loop() {
			SoftmaxImage(x, S, lab, &p, &bb.blk, &bb.out)
			SoftmaxGrad(x, S, lab, &c, g)
		}
	})
}

// BenchmarkSigmoidGradProbs: the gradient pass of a binary Dice on
// probabilities (8x1x512x512), whose gradient a*y + b reads no x
// (probsNoX), against the same pass with e = 1e-30, which reads x.
func BenchmarkSigmoidGradProbs(b *testing.B) {
	bb := getBatch(1)
	p := make([]float32, len(bb.x))
	for i, v := range bb.x {
		p[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
	dst := make([]float32, len(p))
	for _, e := range []float32{0, 1e-30} {
		c := SigmoidCoef{A: -0.5, B: 0.25, E: e, PosWeight: 1, FocalAlpha: -1, Probs: true}
		name := "noX"
		if e != 0 {
			name = "readsX"
		}
		b.Run(name, func(b *testing.B) {
			forBenchTiers(b, func(b *testing.B) {
				b.SetBytes(int64(4 * len(p)))
				for b.Loop() {
					SigmoidGrad(p, bb.y, &c, dst)
				}
			})
		})
	}
}
