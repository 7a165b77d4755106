package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftRegionMatchesBinary: Multiclass with probability targets and
// NoActivation takes the same region sums as Binary with NoActivation on
// the same probabilities and targets (a C-channel multi-label image), so
// the two give the same value and gradient, on multi-hot targets (those
// DSAnyPresent makes, whose per-pixel sum is not 1) and arbitrary soft
// ones: MCC, whose true negatives need the pixel count (not the targets'
// sum), and SoftLabel with GammaOnMean, whose mean is of the SoftLabel
// entries; PerImage too.
func TestSoftRegionMatchesBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	sh := NewShape(2, 3, 40)
	x := make([]float32, sh.Len())
	multiHot, soft := make([]float32, sh.Len()), make([]float32, sh.Len())
	for i := range x {
		x[i] = r.Float32()
		if r.IntN(2) == 0 {
			multiHot[i] = 1
		}
		soft[i] = r.Float32()
	}
	terms := []*Region{
		MCC(),
		{Kind: MCCRatio, SmoothNum: 1e-5, PerImage: true},
		{Kind: DiceRatio, SoftLabel: true, Gamma: 2, GammaOnMean: true},
		{Kind: IoURatio, SoftLabel: true, Gamma: 0.5, GammaOnMean: true, PerImage: true},
		{Kind: DiceRatio, SoftLabel: true},
	}
	for ti, term := range terms {
		for yi, y := range [][]float32{multiHot, soft} {
			where := fmt.Sprintf("term %d %+v, targets %d", ti, *term, yi)
			var ws Workspace
			mc := &Multiclass{Terms: []Weighted{{1, term}}, Activation: NoActivation}
			bn := &Binary{Terms: []Weighted{{1, term}}, Activation: NoActivation}
			g1, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
			v1, err1 := mc.BackwardSoft(&ws, x, y, sh, g1)
			v2, err2 := bn.Backward(&ws, x, y, sh, g2)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v, %v", where, err1, err2)
			}
			if math.Abs(v1-v2) > 1e-6*math.Abs(v2)+1e-9 {
				t.Fatalf("%s: Multiclass BackwardSoft %v, Binary %v", where, v1, v2)
			}
			f1, err := mc.ForwardSoft(&ws, x, y, sh)
			if err != nil || f1 != v1 {
				t.Fatalf("%s: ForwardSoft %v (%v), BackwardSoft %v", where, f1, err, v1)
			}
			scale := 0.0
			for _, v := range g2 {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range g1 {
				if math.Abs(float64(g1[i]-g2[i])) > 1e-5*scale {
					t.Fatalf("%s: grad[%d] Multiclass %v, Binary %v", where, i, g1[i], g2[i])
				}
			}
			ws.Close()
		}
	}
}

// TestSoftMCCFromLogits: MCC against multi-hot probability targets from
// logits is 1 - the Matthews coefficient of the soft counts over the
// batch, the true negatives taken from the pixel count (N*S), averaged
// over the classes: checked against a float64 evaluation.
func TestSoftMCCFromLogits(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	N, C, S := 2, 4, 50
	sh := NewShape(N, C, S)
	x := randLogits(r, sh.Len(), 2)
	y := make([]float32, sh.Len())
	for i := range y {
		if r.IntN(3) == 0 {
			y[i] = 1
		}
	}
	var I, P, Y [4]float64
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			mx := math.Inf(-1)
			for c := 0; c < C; c++ {
				mx = max(mx, float64(x[(n*C+c)*S+i]))
			}
			var sum float64
			for c := 0; c < C; c++ {
				sum += math.Exp(float64(x[(n*C+c)*S+i]) - mx)
			}
			for c := 0; c < C; c++ {
				p := math.Exp(float64(x[(n*C+c)*S+i])-mx) / sum
				yc := float64(y[(n*C+c)*S+i])
				I[c] += p * yc
				P[c] += p
				Y[c] += yc
			}
		}
	}
	const eps = 1e-5
	var want float64
	for c := 0; c < C; c++ {
		tp, fp, fn := I[c]+eps, P[c]-I[c]+eps, Y[c]-I[c]+eps
		tn := float64(N*S) - P[c] - Y[c] + I[c] + eps
		m := (tp*tn - fp*fn) / math.Sqrt((tp+fp)*(tp+fn)*(tn+fp)*(tn+fn))
		want += (1 - m) / float64(C)
	}
	var ws Workspace
	got, err := (&Multiclass{Terms: []Weighted{{1, MCC()}}}).ForwardSoft(&ws, x, y, sh)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Fatalf("MCC %v, want %v", got, want)
	}
}

// TestSoftWorkers: ForwardSoft and BackwardSoft give the same bits at 1,
// 2 and 3 workers on shapes past minParallel (the golden cases, at most a
// few hundred logits, run on one goroutine whatever Workers says): CE with
// class weights and smoothing plus Dice and a per-image SoftLabel IoU from
// logits, and the region terms of probabilities (NoActivation).
func TestSoftWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, tc := range []struct {
		m     *Multiclass
		probs bool
	}{
		{m: &Multiclass{Terms: []Weighted{
			{0.7, &CrossEntropy{Weight: []float32{1, 3, 0.5}, LabelSmoothing: 0.1}},
			{0.3, Dice()},
			{0.5, &Region{Kind: IoURatio, SoftLabel: true, PerImage: true}},
		}}},
		{m: &Multiclass{Terms: []Weighted{{1, Dice()}, {1, MCC()}}, Activation: NoActivation}, probs: true},
	} {
		sh := NewShape(3, 3, 2*softmaxChunk(3)+77)
		if sh.Len() < minParallel {
			t.Fatalf("shape %v under minParallel", sh)
		}
		x := randLogits(r, sh.Len(), 3)
		y := make([]float32, sh.Len())
		for i := range y {
			y[i] = r.Float32()
			if tc.probs {
				x[i] = r.Float32()
			}
		}
		var ws Workspace
		var v0 float64
		var g0 []float32
		for _, workers := range []int{1, 2, 3} {
			tc.m.Workers = workers
			g := make([]float32, sh.Len())
			v, err := tc.m.BackwardSoft(&ws, x, y, sh, g)
			if err != nil {
				t.Fatal(err)
			}
			f, err := tc.m.ForwardSoft(&ws, x, y, sh)
			if err != nil || math.Float64bits(f) != math.Float64bits(v) {
				t.Fatalf("workers %d: ForwardSoft %v (%v), BackwardSoft %v", workers, f, err, v)
			}
			if g0 == nil {
				v0, g0 = v, g
				continue
			}
			if math.Float64bits(v) != math.Float64bits(v0) {
				t.Fatalf("probs=%v: value %v with %d workers, %v with 1", tc.probs, v, workers, v0)
			}
			for i := range g {
				if math.Float32bits(g[i]) != math.Float32bits(g0[i]) {
					t.Fatalf("probs=%v: grad[%d] %v with %d workers, %v with 1", tc.probs, i, g[i], workers, g0[i])
				}
			}
		}
		ws.Close()
	}
}
