package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestShardWeighted: weighted shards (images split in two, Accumulate-
// Weighted each, Stats merged, Value, then GradientWeighted each) give
// ForwardWeighted's and BackwardWeighted's value and gradient of the whole
// batch, for CE with WeightMean, Mean and PixelMean, Focal with WeightMean,
// Dice and CE + Dice (Multiclass, with an ignore index and class weights)
// and BCE with WeightMean and Mean, sigmoid focal and Dice (Binary); a
// shard of weights 1 gives an unweighted Accumulate's value; nil and short
// weights are errors.
func TestShardWeighted(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	chunks := 3
	if testing.Short() {
		chunks = 1 // still two chunks an image (race, arm64 under emulation)
	}
	sh := NewShape(4, 3, chunks*softmaxChunk(3)+11)
	x := randLogits(r, sh.Len(), 3)
	lab := make([]int32, sh.N*sh.S)
	pw := make([]float32, sh.N*sh.S)
	for i := range lab {
		lab[i] = int32(r.IntN(sh.C))
		if i%13 == 0 {
			lab[i] = -100
		}
		pw[i] = float32(r.IntN(4)) * 0.75
	}
	cw := []float32{0.5, 2, 1}
	half := Shape{2, sh.C, sh.S}
	for _, terms := range [][]Weighted{
		{{1, &CrossEntropy{Weight: cw, Reduction: WeightMean}}},
		{{1, &CrossEntropy{Weight: cw}}},
		{{1, &CrossEntropy{Reduction: PixelMean, LabelSmoothing: 0.1}}},
		{{1, &Focal{Gamma: 2, Reduction: WeightMean}}},
		{{1, Dice()}},
		{{0.5, &CrossEntropy{Reduction: WeightMean}}, {0.5, Dice()}},
	} {
		m := &Multiclass{Terms: terms, Ignore: Ignore(-100), Workers: 2}
		var ws Workspace
		want := make([]float32, sh.Len())
		vw, err := m.BackwardWeighted(&ws, x, I32(lab), pw, sh, want)
		if err != nil {
			t.Fatal(err)
		}
		var st Stats
		if err := st.Reset(sh.N, sh.C); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 2; k++ {
			xs, ls, ws2 := x[k*half.Len():(k+1)*half.Len()], lab[k*2*sh.S:(k+1)*2*sh.S], pw[k*2*sh.S:(k+1)*2*sh.S]
			if err := m.AccumulateWeighted(&ws, &st, xs, I32(ls), ws2, half, 2*k); err != nil {
				t.Fatal(err)
			}
		}
		v, err := m.Value(&ws, &st)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(v-vw) > 1e-12*math.Abs(vw) {
			t.Fatalf("%s: merged weighted shards %v, BackwardWeighted %v", fzTerms(terms), v, vw)
		}
		got := make([]float32, sh.Len())
		for k := 0; k < 2; k++ {
			xs, ls, ws2 := x[k*half.Len():(k+1)*half.Len()], lab[k*2*sh.S:(k+1)*2*sh.S], pw[k*2*sh.S:(k+1)*2*sh.S]
			if _, err := m.GradientWeighted(&ws, &st, xs, I32(ls), ws2, half, 2*k, got[k*half.Len():(k+1)*half.Len()]); err != nil {
				t.Fatal(err)
			}
		}
		scale := 0.0
		for _, g := range want {
			scale = max(scale, math.Abs(float64(g)))
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6*scale {
				t.Fatalf("%s: grad[%d] %v from shards, %v whole", fzTerms(terms), i, got[i], want[i])
			}
		}
		// weights of 1 on one shard merge with an unweighted Accumulate
		ones := make([]float32, 2*sh.S)
		for i := range ones {
			ones[i] = 1
		}
		var a, b Stats
		a.Reset(sh.N, sh.C)
		b.Reset(sh.N, sh.C)
		if err := m.AccumulateWeighted(&ws, &a, x[:half.Len()], I32(lab[:2*sh.S]), ones, half, 0); err != nil {
			t.Fatal(err)
		}
		if err := m.Accumulate(&ws, &b, x[:half.Len()], I32(lab[:2*sh.S]), half, 0); err != nil {
			t.Fatal(err)
		}
		va, _ := m.Value(&ws, &a)
		vb, _ := m.Value(&ws, &b)
		if math.Abs(va-vb) > 1e-6*math.Abs(vb) {
			t.Fatalf("%s: weights of 1 %v, unweighted %v", fzTerms(terms), va, vb)
		}
		ws.Close()
	}
	// Binary: N*C*S weights
	bsh := NewShape(4, 2, (chunks-1)*chunkPixels+chunkPixels/2+5)
	bx := randLogits(r, bsh.Len(), 3)
	y := make([]float32, bsh.Len())
	bw := make([]float32, bsh.Len())
	for i := range y {
		y[i] = float32(r.IntN(2))
		bw[i] = float32(r.IntN(5)) * 0.5
	}
	bhalf := Shape{2, bsh.C, bsh.S}
	for _, terms := range [][]Weighted{
		{{1, &BCE{Reduction: WeightMean}}},
		{{1, &BCE{}}},
		{{1, &SigmoidFocal{Alpha: 0.25, Gamma: 2, Reduction: WeightMean}}},
		{{0.5, &BCE{Reduction: WeightMean}}, {0.5, Dice()}},
	} {
		b := &Binary{Terms: terms, Workers: 2}
		var ws Workspace
		want := make([]float32, bsh.Len())
		vw, err := b.BackwardWeighted(&ws, bx, y, bw, bsh, want)
		if err != nil {
			t.Fatal(err)
		}
		var st Stats
		st.Reset(bsh.N, bsh.C)
		for k := 0; k < 2; k++ {
			sl := func(s []float32) []float32 { return s[k*bhalf.Len() : (k+1)*bhalf.Len()] }
			if err := b.AccumulateWeighted(&ws, &st, sl(bx), sl(y), sl(bw), bhalf, 2*k); err != nil {
				t.Fatal(err)
			}
		}
		v, err := b.Value(&ws, &st)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(v-vw) > 1e-12*math.Abs(vw) {
			t.Fatalf("%s: merged weighted shards %v, BackwardWeighted %v", fzTerms(terms), v, vw)
		}
		got := make([]float32, bsh.Len())
		for k := 0; k < 2; k++ {
			sl := func(s []float32) []float32 { return s[k*bhalf.Len() : (k+1)*bhalf.Len()] }
			if _, err := b.GradientWeighted(&ws, &st, sl(bx), sl(y), sl(bw), bhalf, 2*k, sl(got)); err != nil {
				t.Fatal(err)
			}
		}
		scale := 0.0
		for _, g := range want {
			scale = max(scale, math.Abs(float64(g)))
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6*scale {
				t.Fatalf("%s: grad[%d] %v from shards, %v whole", fzTerms(terms), i, got[i], want[i])
			}
		}
		ws.Close()
	}
	var ws Workspace
	var st Stats
	st.Reset(sh.N, sh.C)
	m := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{}}}}
	if err := m.AccumulateWeighted(&ws, &st, x[:half.Len()], I32(lab[:2*sh.S]), nil, half, 0); err == nil {
		t.Fatal("nil weights accepted")
	}
	if err := m.AccumulateWeighted(&ws, &st, x[:half.Len()], I32(lab[:2*sh.S]), pw[:5], half, 0); err == nil {
		t.Fatal("short weights accepted")
	}
	if _, err := m.GradientWeighted(&ws, &st, x[:half.Len()], I32(lab[:2*sh.S]), nil, half, 0, make([]float32, half.Len())); err == nil {
		t.Fatal("nil weights accepted by GradientWeighted")
	}
}
