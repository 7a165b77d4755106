package loss

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// weightCase is one case of testdata/weights.json.gz
// (testdata/weights_golden.py): a Binary loss with per-element weights in
// torch, with autograd gradients.
type weightCase struct {
	Name, Kind string
	Shape      []int
	Terms      []weightTerm
	Ignore     *int
	Logits     []float32
	Targets    []float32
	Labels     []int32
	Weights    []float32
	Loss       float64
	Grad       []float64

	PeerExpected *float64 `json:"peer_expected"`
	// testdata/probs.json.gz: the inputs are probabilities ("none"), and
	// whether the call takes the weights.
	Activation string
	Weighted   bool
}

type weightTerm struct {
	Term        string
	Weight      *float64
	ClassWeight []float32 `json:"class_weight"`
	PosWeight   []float32 `json:"pos_weight"`
	Reduction   string
	Alpha       json.RawMessage // a float (sigmoid focal, Tversky) or C floats (softmax focal)
	Gamma       float64
	Smoothing   float64
	Kind        string
	Beta        float64
	Squared     bool
	PerImage    bool    `json:"per_image"`
	ExcludeBG   bool    `json:"exclude_background"`
	SoftLabel   bool    `json:"soft_label"`
	SmoothNum   float64 `json:"smooth_nr"`
	SmoothDen   float64 `json:"smooth_dr"`
}

func (tm *weightTerm) reduction(t *testing.T) Reduction {
	switch tm.Reduction {
	case "sum":
		return Sum
	case "weightmean":
		return WeightMean
	case "pixelmean":
		return PixelMean
	case "", "mean":
		return Mean
	}
	t.Fatalf("reduction %q", tm.Reduction)
	return 0
}

func (tm *weightTerm) alpha(t *testing.T) float64 {
	var a float64
	if err := json.Unmarshal(tm.Alpha, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (tm *weightTerm) region(t *testing.T) *Region {
	r := &Region{Squared: tm.Squared, PerImage: tm.PerImage, ExcludeBackground: tm.ExcludeBG, SmoothNum: tm.SmoothNum, SmoothDen: tm.SmoothDen, SoftLabel: tm.SoftLabel}
	switch tm.Kind {
	case "dice":
		r.Kind = DiceRatio
	case "iou":
		r.Kind = IoURatio
	case "tversky":
		r.Kind, r.Alpha, r.Beta = TverskyRatio, tm.alpha(t), tm.Beta
	default:
		t.Fatalf("kind %q", tm.Kind)
	}
	return r
}

func (tm *weightTerm) weight() float64 {
	if tm.Weight != nil {
		return *tm.Weight
	}
	return 1
}

func (c *weightCase) multiclass(t *testing.T) *Multiclass {
	m := &Multiclass{}
	if c.Activation == "none" {
		m.Activation = NoActivation
	}
	if c.Ignore != nil {
		m.Ignore = Ignore(*c.Ignore)
	}
	for _, tm := range c.Terms {
		var term Term
		switch tm.Term {
		case "ce":
			term = &CrossEntropy{Weight: tm.ClassWeight, LabelSmoothing: tm.Smoothing, Reduction: tm.reduction(t)}
		case "mfocal":
			f := &Focal{Gamma: tm.Gamma, Reduction: tm.reduction(t)}
			if len(tm.Alpha) > 0 {
				if err := json.Unmarshal(tm.Alpha, &f.Alpha); err != nil {
					t.Fatal(err)
				}
			}
			term = f
		case "region":
			term = tm.region(t)
		default:
			t.Fatalf("term %q", tm.Term)
		}
		m.Terms = append(m.Terms, Weighted{tm.weight(), term})
	}
	return m
}

func (c *weightCase) binary(t *testing.T) *Binary {
	b := &Binary{}
	if c.Activation == "none" {
		b.Activation = NoActivation
	}
	for _, tm := range c.Terms {
		var term Term
		switch tm.Term {
		case "bce":
			term = &BCE{PosWeight: tm.PosWeight, Reduction: tm.reduction(t)}
		case "focal":
			term = &SigmoidFocal{Alpha: tm.alpha(t), Gamma: tm.Gamma, Reduction: tm.reduction(t)}
		case "region":
			term = tm.region(t)
		default:
			t.Fatalf("term %q", tm.Term)
		}
		b.Terms = append(b.Terms, Weighted{tm.weight(), term})
	}
	return b
}

// TestWeightsGolden checks the weighted calls against torch on every tier:
// BCE with torch's weight= (Mean, Sum) and the weight-sum divisor
// (WeightMean), pos_weight, sigmoid focal, weighted region sums, sums of
// terms, all-zero weights, MONAI's MaskedDiceLoss formulation, and the
// Multiclass ones (ignore index, class weights, smoothing, focal).
func TestWeightsGolden(t *testing.T) {
	runGoldenCases(t, "../testdata/weights.json.gz", 100, true, 1e-6)
}

// runGoldenCases checks each case of a golden file of weightCases on every
// tier (the best one under -short), at 1 and 2 workers: Backward's value
// and gradient against torch, Forward's value against Backward's, and a
// peer's expected value against torch's (to peerRel). weighted: every case
// takes its weights (else those whose Weighted says so).
func runGoldenCases(t *testing.T, path string, minCases int, weighted bool, peerRel float64) {
	t.Helper()
	var g struct{ Cases []weightCase }
	readGzipJSON(t, path, &g)
	if len(g.Cases) < minCases {
		t.Fatalf("%s: %d cases", path, len(g.Cases))
	}
	eachTierLong(t, func(t *testing.T) {
		for _, c := range g.Cases {
			t.Run(c.Name, func(t *testing.T) {
				sh := NewShape(c.Shape[0], c.Shape[1], c.Shape[2:]...)
				var ws Workspace
				defer ws.Close()
				grad := make([]float32, sh.Len())
				var b *Binary
				var m *Multiclass
				if c.Kind == "softmax" {
					m = c.multiclass(t)
				} else {
					b = c.binary(t)
				}
				w := c.Weights
				if !weighted && !c.Weighted {
					w = nil
				}
				for _, workers := range []int{1, 2} {
					var v, f float64
					var err, ferr error
					switch {
					case m != nil && w != nil:
						m.Workers = workers
						v, err = m.BackwardWeighted(&ws, c.Logits, I32(c.Labels), w, sh, grad)
						f, ferr = m.ForwardWeighted(&ws, c.Logits, I32(c.Labels), w, sh)
					case m != nil:
						m.Workers = workers
						v, err = m.Backward(&ws, c.Logits, I32(c.Labels), sh, grad)
						f, ferr = m.Forward(&ws, c.Logits, I32(c.Labels), sh)
					case w != nil:
						b.Workers = workers
						v, err = b.BackwardWeighted(&ws, c.Logits, c.Targets, w, sh, grad)
						f, ferr = b.ForwardWeighted(&ws, c.Logits, c.Targets, w, sh)
					default:
						b.Workers = workers
						v, err = b.Backward(&ws, c.Logits, c.Targets, sh, grad)
						f, ferr = b.Forward(&ws, c.Logits, c.Targets, sh)
					}
					if err != nil || ferr != nil {
						t.Fatal(err, ferr)
					}
					if math.Abs(v-c.Loss) > goldenValueRel*math.Abs(c.Loss)+goldenValueAbs {
						t.Fatalf("Backward: loss %.9g, want %.9g", v, c.Loss)
					}
					compareSlice(t, "grad", grad, c.Grad)
					// Forward's statistics pass and Backward's fused pass
					// sum the same float32 terms, in blocks of different
					// order only for Multiclass region losses: equal within
					// rounding.
					if math.Abs(f-v) > 1e-12*math.Abs(v)+1e-15 && !(m != nil && math.Abs(f-v) <= goldenValueRel*math.Abs(v)) {
						t.Fatalf("Forward = %v; Backward's value %v", f, v)
					}
				}
				if c.PeerExpected != nil && math.Abs(c.Loss-*c.PeerExpected) > peerRel*math.Abs(*c.PeerExpected)+1e-6 {
					t.Fatalf("torch reference %v, the peer's expected value %v", c.Loss, *c.PeerExpected)
				}
			})
		}
	})
}

// TestWeightsOne: weights of 1 give the unweighted loss and gradient bit
// for bit, on every tier, for every Binary test loss (WeightMean is Mean
// there), on the caller's goroutine, on two workers and pooled (small S).
func TestWeightsOne(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []Shape{{3, 2, 37}, {40, 1, 5}, {2, 2, 2*chunkPixels + 3}} {
		x := randLogits(r, sh.Len(), 3)
		y := make([]float32, sh.Len())
		one := make([]float32, sh.Len())
		for i := range y {
			y[i], one[i] = float32(r.IntN(2)), 1
		}
		eachTierLong(t, func(t *testing.T) {
			var ws Workspace
			defer ws.Close()
			g0, g1 := make([]float32, sh.Len()), make([]float32, sh.Len())
			for name, b := range bnCases(sh.C) {
				if name == "mcc" {
					continue
				}
				b.Workers = 2
				v0, err0 := b.Backward(&ws, x, y, sh, g0)
				v1, err1 := b.BackwardWeighted(&ws, x, y, one, sh, g1)
				if err0 != nil || err1 != nil || v0 != v1 {
					t.Fatalf("%v %s: Backward %v, %v; weights 1: %v, %v", sh, name, v0, err0, v1, err1)
				}
				for i := range g0 {
					if math.Float32bits(g0[i]) != math.Float32bits(g1[i]) {
						t.Fatalf("%v %s: grad %d = %v with weights 1, %v without", sh, name, i, g1[i], g0[i])
					}
				}
				f0, _ := b.Forward(&ws, x, y, sh)
				f1, _ := b.ForwardWeighted(&ws, x, y, one, sh)
				if f0 != f1 {
					t.Fatalf("%v %s: Forward %v, weights 1: %v", sh, name, f0, f1)
				}
			}
		})
	}
}

// TestWeightsScale: doubling every weight doubles a Mean BCE and its
// gradient exactly (a power of two), leaves a WeightMean BCE and every
// region ratio as it is; a zero weight gives a zero gradient element.
func TestWeightsScale(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sh := Shape{4, 2, 300}
	x := randLogits(r, sh.Len(), 3)
	y, w, w2 := make([]float32, sh.Len()), make([]float32, sh.Len()), make([]float32, sh.Len())
	for i := range y {
		y[i] = float32(r.IntN(2))
		if r.IntN(4) > 0 {
			w[i] = 3 * r.Float32()
		}
		w2[i] = 2 * w[i]
	}
	var ws Workspace
	defer ws.Close()
	g, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
	for _, tc := range []struct {
		name   string
		b      *Binary
		factor float64
	}{
		{"bce", &Binary{Terms: []Weighted{{1, &BCE{}}}}, 2},
		{"bce_weightmean", &Binary{Terms: []Weighted{{1, &BCE{Reduction: WeightMean}}}}, 1},
		{"sfocal_sum", &Binary{Terms: []Weighted{{1, &SigmoidFocal{Alpha: 0.25, Gamma: 2, Reduction: Sum}}}}, 2},
		{"dice", &Binary{Terms: []Weighted{{1, &Region{Kind: DiceRatio}}}}, 1},
	} {
		v, err := tc.b.BackwardWeighted(&ws, x, y, w, sh, g)
		v2, err2 := tc.b.BackwardWeighted(&ws, x, y, w2, sh, g2)
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		if !closeRel(v2, tc.factor*v, 1e-12, 0) {
			t.Fatalf("%s: weights x2 give %v, want %v x %v", tc.name, v2, tc.factor, v)
		}
		for i := range g {
			if !closeRel(float64(g2[i]), tc.factor*float64(g[i]), 1e-6, 1e-12) {
				t.Fatalf("%s: grad %d = %v with weights x2, want %v x %v", tc.name, i, g2[i], tc.factor, g[i])
			}
			if w[i] == 0 && g[i] != 0 {
				t.Fatalf("%s: grad %d = %v at weight 0", tc.name, i, g[i])
			}
		}
	}
}

// TestWeightsBadInput: every bad weight map is an error value naming the
// problem, and nothing is written into the gradient.
func TestWeightsBadInput(t *testing.T) {
	sh := Shape{2, 1, 8}
	x, y := make([]float32, 16), make([]float32, 16)
	b := &Binary{Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}}
	var ws Workspace
	defer ws.Close()
	good := func() []float32 {
		w := make([]float32, 16)
		for i := range w {
			w[i] = 1
		}
		return w
	}
	grad := make([]float32, 16)
	for i := range grad {
		grad[i] = 42
	}
	bad := func(i int, v float32) []float32 { w := good(); w[i] = v; return w }
	buf := make([]float32, 48)
	for _, tc := range []struct {
		name string
		w    []float32
		g    []float32
		want error
	}{
		{"nil", nil, grad, ErrLength},
		{"short", good()[:15], grad, ErrLength},
		{"long", append(good(), 1), grad, ErrLength},
		{"negative", bad(3, -1), grad, ErrWeight},
		{"minus zero ok", bad(3, float32(math.Copysign(0, -1))), grad, nil},
		{"NaN", bad(0, float32(math.NaN())), grad, ErrWeight},
		{"+Inf", bad(15, float32(math.Inf(1))), grad, ErrWeight},
		{"above 2^64", bad(7, 0x1p65), grad, ErrWeight},
		{"grad overlaps weights", buf[:16], buf[8:24], ErrOption},
	} {
		_, err := b.BackwardWeighted(&ws, x, y, tc.w, sh, tc.g)
		if tc.want == nil {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			for i := range grad {
				grad[i] = 42
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		for i, v := range tc.g {
			if v != 42 && &tc.g[0] == &grad[0] {
				t.Fatalf("%s: grad %d written (%v) on error", tc.name, i, v)
			}
		}
		if _, err := b.ForwardWeighted(&ws, x, y, tc.w, sh); tc.name != "grad overlaps weights" && !errors.Is(err, tc.want) {
			t.Fatalf("%s: Forward err %v, want %v", tc.name, err, tc.want)
		}
	}
	mcc := &Binary{Terms: []Weighted{{1, MCC()}}}
	if _, err := mcc.ForwardWeighted(&ws, x, y, good(), sh); !errors.Is(err, ErrOption) {
		t.Fatalf("MCC with weights: %v, want ErrOption", err)
	}
}

// TestWeightsZeroAllocs: a weighted call allocates nothing once the
// workspace has grown, on one worker and on two.
func TestWeightsZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, sh := range []Shape{{2, 2, 3000}, {40, 1, 5}, {2, 2, 2*chunkPixels + 5}} {
		x := randLogits(r, sh.Len(), 2)
		y, w, g := make([]float32, sh.Len()), make([]float32, sh.Len()), make([]float32, sh.Len())
		for i := range y {
			y[i], w[i] = float32(r.IntN(2)), r.Float32()
		}
		var ws Workspace
		for name, b := range bnCases(sh.C) {
			if name == "mcc" {
				continue
			}
			b.Workers = 2
			b.BackwardWeighted(&ws, x, y, w, sh, g)
			if a := testing.AllocsPerRun(allocRuns(), func() { b.BackwardWeighted(&ws, x, y, w, sh, g) }); a != 0 {
				t.Errorf("%v %s BackwardWeighted: %v allocs/op", sh, name, a)
			}
			if a := testing.AllocsPerRun(allocRuns(), func() { b.ForwardWeighted(&ws, x, y, w, sh) }); a != 0 {
				t.Errorf("%v %s ForwardWeighted: %v allocs/op", sh, name, a)
			}
		}
		ws.Close()
	}
}

var _ = json.Unmarshal

// TestWeightsOneMulticlass: weights of 1 give the unweighted Multiclass loss:
// bit for bit for losses without a cross entropy term (every weighted sum
// multiplies by exactly 1), within rounding with one (the weighted cross
// entropy takes one log per pixel, the unweighted one the log of a
// product per block); on every tier, on one worker and two, pooled too.
func TestWeightsOneMulticlass(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, sh := range []Shape{{3, 4, 37}, {40, 3, 5}, {2, 3, 2*chunkPixels + 3}} {
		x := randLogits(r, sh.Len(), 3)
		lab := make([]uint8, sh.N*sh.S)
		one := make([]float32, sh.N*sh.S)
		for i := range lab {
			lab[i], one[i] = uint8(r.IntN(sh.C)), 1
			if i%11 == 0 {
				lab[i] = 255
			}
		}
		eachTierLong(t, func(t *testing.T) {
			var ws Workspace
			defer ws.Close()
			g0, g1 := make([]float32, sh.Len()), make([]float32, sh.Len())
			for name, m := range mcCases(sh.C) {
				m.Workers = 2
				if !m.Ignore.set {
					m.Ignore = Ignore(255)
				}
				exact := true
				for _, tm := range m.Terms {
					if _, ok := tm.Term.(*CrossEntropy); ok {
						exact = false
					}
				}
				v0, err0 := m.Backward(&ws, x, U8(lab), sh, g0)
				v1, err1 := m.BackwardWeighted(&ws, x, U8(lab), one, sh, g1)
				if err0 != nil || err1 != nil {
					t.Fatalf("%v %s: %v, %v", sh, name, err0, err1)
				}
				if (exact && v0 != v1) || !closeRel(v1, v0, 1e-6, 1e-9) {
					t.Fatalf("%v %s: weights 1 give %v, unweighted %v (exact: %v)", sh, name, v1, v0, exact)
				}
				scale := 0.0
				for _, g := range g0 {
					scale = max(scale, math.Abs(float64(g)))
				}
				for i := range g0 {
					if exact && math.Float32bits(g0[i]) != math.Float32bits(g1[i]) || !closeRel(float64(g1[i]), float64(g0[i]), 0, 1e-6*scale) {
						t.Fatalf("%v %s: grad %d = %v with weights 1, %v without", sh, name, i, g1[i], g0[i])
					}
				}
			}
		})
	}
}

// TestWeightsMulticlassCalls: the weighted Multiclass calls' bad input (each
// an error value, nothing written), bit-identical results for any worker
// count, and zero allocations once the workspace has grown.
func TestWeightsMulticlassCalls(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	sh := Shape{3, 3, 2*chunkPixels + 7}
	x := randLogits(r, sh.Len(), 2)
	lab := make([]int32, sh.N*sh.S)
	w := make([]float32, sh.N*sh.S)
	for i := range lab {
		lab[i], w[i] = int32(r.IntN(sh.C)), 3*r.Float32()
	}
	var ws Workspace
	defer ws.Close()
	for name, m := range mcCases(sh.C) {
		if testing.Short() && !shortCases[name] {
			continue // race, arm64 under emulation
		}
		var ref []float32
		var vref float64
		for _, workers := range []int{1, 2, 3} {
			m.Workers = workers
			g := make([]float32, sh.Len())
			v, err := m.BackwardWeighted(&ws, x, I32(lab), w, sh, g)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if ref == nil {
				ref, vref = g, v
				continue
			}
			if v != vref {
				t.Fatalf("%s: %d workers give %v, one %v", name, workers, v, vref)
			}
			for i := range g {
				if math.Float32bits(g[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%s: %d workers: grad %d = %v, one worker %v", name, workers, i, g[i], ref[i])
				}
			}
		}
		m.Workers = 2
		g := make([]float32, sh.Len())
		if a := testing.AllocsPerRun(3, func() { m.BackwardWeighted(&ws, x, I32(lab), w, sh, g) }); a != 0 {
			t.Errorf("%s BackwardWeighted: %v allocs/op", name, a)
		}
		if a := testing.AllocsPerRun(3, func() { m.ForwardWeighted(&ws, x, I32(lab), w, sh) }); a != 0 {
			t.Errorf("%s ForwardWeighted: %v allocs/op", name, a)
		}
	}
	m := CombinedLoss(0.5, 0.5)
	small := Shape{2, 3, 4}
	xs, ls := make([]float32, 24), I32(make([]int32, 8))
	grad := make([]float32, 24)
	for i := range grad {
		grad[i] = 42
	}
	bad := func(i int, v float32) []float32 {
		b := make([]float32, 8)
		b[i] = v
		return b
	}
	buf := make([]float32, 40)
	for _, tc := range []struct {
		name string
		w, g []float32
		want error
	}{
		{"nil", nil, grad, ErrLength},
		{"N*C*S long", make([]float32, 24), grad, ErrLength},
		{"negative", bad(1, -0.5), grad, ErrWeight},
		{"NaN", bad(7, float32(math.NaN())), grad, ErrWeight},
		{"Inf", bad(0, float32(math.Inf(1))), grad, ErrWeight},
		{"grad overlaps weights", buf[20:28], buf[:24], ErrOption},
	} {
		if _, err := m.BackwardWeighted(&ws, xs, ls, tc.w, small, tc.g); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
		for i, v := range grad {
			if v != 42 {
				t.Fatalf("%s: grad %d written on error", tc.name, i)
			}
		}
		if tc.name != "grad overlaps weights" {
			if _, err := m.ForwardWeighted(&ws, xs, ls, tc.w, small); !errors.Is(err, tc.want) {
				t.Fatalf("%s: Forward %v, want %v", tc.name, err, tc.want)
			}
		}
	}
}

// TestProbsGolden checks probability inputs (NoActivation) against torch
// on every tier: Binary's binary_cross_entropy (exact 0 and 1 among the
// probabilities, soft targets, weights, pos_weight), region terms, BCE +
// Dice, MONAI's soft_label formulation (probabilities and logits),
// Multiclass region terms with the ignore index and weights, and MONAI's
// DiceLoss test cases 3, 4 and 5 (counted from 1) with MONAI's expected
// values (to its rtol of 1e-5).
func TestProbsGolden(t *testing.T) {
	runGoldenCases(t, "../testdata/probs.json.gz", 50, false, 1e-5)
}

// TestProbsBadInput: probability inputs outside [0, 1] are ErrLabel (NaN
// passes and propagates), a SigmoidFocal term or an unknown Activation is
// ErrOption, and nothing is written into the gradient.
func TestProbsBadInput(t *testing.T) {
	sh := Shape{1, 1, 4}
	y := []float32{0, 1, 1, 0}
	var ws Workspace
	defer ws.Close()
	b := &Binary{Activation: NoActivation, Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}}
	grad := []float32{42, 42, 42, 42}
	for _, x := range [][]float32{{0, 1, 1.0000001, 0}, {-0.5, 0, 0, 0}, {0, 0, 0, float32(math.Inf(1))}, {float32(math.Inf(-1)), 0, 0, 0}} {
		if _, err := b.Backward(&ws, x, y, sh, grad); !errors.Is(err, ErrLabel) {
			t.Fatalf("inputs %v: %v, want ErrLabel", x, err)
		}
		if grad[0] != 42 || grad[3] != 42 {
			t.Fatalf("inputs %v: gradient written on error", x)
		}
	}
	v, err := b.Forward(&ws, []float32{0, float32(math.NaN()), 1, float32(math.Copysign(0, -1))}, y, sh)
	if err != nil || v == v {
		t.Fatalf("NaN input: %v, %v; want NaN and no error", v, err)
	}
	for _, bad := range []*Binary{
		{Activation: NoActivation, Terms: []Weighted{{1, NewSigmoidFocal()}}},
		{Activation: Activation(2), Terms: []Weighted{{1, &BCE{}}}},
		{Activation: -1, Terms: []Weighted{{1, &BCE{}}}},
	} {
		if _, err := bad.Forward(&ws, []float32{0, 0.5, 1, 0}, y, sh); !errors.Is(err, ErrOption) {
			t.Fatalf("%+v: %v, want ErrOption", bad, err)
		}
	}
	// torch's binary_cross_entropy at p = 0 and 1: each log clamped at
	// -100, so a wrong certain prediction costs 100.
	v, err = (&Binary{Activation: NoActivation, Terms: []Weighted{{1, &BCE{Reduction: Sum}}}}).Backward(&ws, []float32{0, 1, 1, 0}, []float32{1, 0, 1, 0}, sh, grad)
	if err != nil || v != 200 {
		t.Fatalf("BCE of 0 and 1: %v, %v; want 200", v, err)
	}
	if !(grad[0] < -9e11 && grad[1] > 9e11 && grad[2] == 0 && grad[3] == 0) {
		t.Fatalf("BCE gradient at 0 and 1: %v, want -1e12, 1e12, 0, 0 (torch's (p-y)/max(p(1-p), 1e-12))", grad)
	}
}

// TestWeightsRange: a gradient scale that fits float32 alone but not once
// multiplied by the largest weight is ErrRange (the value is returned,
// nothing is written), for both kinds; before, the kernels wrote +-Inf.
func TestWeightsRange(t *testing.T) {
	var ws Workspace
	defer ws.Close()
	sh := Shape{1, 1, 4}
	x, y := []float32{3, -3, 0.5, -0.5}, []float32{0, 1, 0, 1}
	w := []float32{0x1p64, 1, 1, 0}
	grad := []float32{42, 42, 42, 42}
	b := &Binary{Terms: []Weighted{{0x1p64, &BCE{Reduction: Sum}}}}
	v, err := b.BackwardWeighted(&ws, x, y, w, sh, grad)
	if !errors.Is(err, ErrRange) || !(v > 0) || math.IsInf(v, 0) {
		t.Fatalf("Binary: %v, %v; want a finite value and ErrRange", v, err)
	}
	lab := U8([]uint8{0, 0, 0, 0})
	m := &Multiclass{Terms: []Weighted{{0x1p64, &CrossEntropy{Reduction: Sum}}}}
	mg := []float32{42, 42, 42, 42, 42, 42, 42, 42}
	v, err = m.BackwardWeighted(&ws, append(x, x...), lab, w, Shape{1, 2, 4}, mg)
	if !errors.Is(err, ErrRange) || !(v > 0) || math.IsInf(v, 0) {
		t.Fatalf("Multiclass: %v, %v; want a finite value and ErrRange", v, err)
	}
	for i, g := range grad {
		if g != 42 {
			t.Fatalf("Binary gradient %d written (%v) with ErrRange", i, g)
		}
	}
	for i, g := range mg {
		if g != 0 {
			t.Fatalf("Multiclass gradient %d = %v with ErrRange, want 0", i, g)
		}
	}
	// the same loss with weights up to 1 fits
	w[0] = 1
	if _, err := b.BackwardWeighted(&ws, x, y, w, sh, grad); err != nil {
		t.Fatal(err)
	}
	for _, g := range grad {
		if math.IsInf(float64(g), 0) || g != g {
			t.Fatalf("gradient %v", grad)
		}
	}
}

// TestProbsMulticlass: a Multiclass with NoActivation rejects cross-entropy
// and focal terms, the shard API and inputs outside [0, 1]; is
// bit-identical for any worker count; allocates nothing once grown; and
// gives an ignored pixel a zero gradient.
func TestProbsMulticlass(t *testing.T) {
	var ws Workspace
	defer ws.Close()
	r := rand.New(rand.NewPCG(17, 18))
	sh := Shape{2, 3, 2*chunkPixels + 9}
	p := make([]float32, sh.Len())
	for i := range p {
		p[i] = r.Float32()
	}
	lab := make([]uint8, sh.N*sh.S)
	for i := range lab {
		lab[i] = uint8(r.IntN(sh.C))
		if i%7 == 0 {
			lab[i] = 255
		}
	}
	m := &Multiclass{Activation: NoActivation, Ignore: Ignore(255), Terms: []Weighted{{1, Dice()}, {0.5, Tversky(0.3, 0.7)}}}
	var ref []float32
	var vref float64
	for _, workers := range []int{1, 2, 3} {
		m.Workers = workers
		g := make([]float32, sh.Len())
		v, err := m.Backward(&ws, p, U8(lab), sh, g)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref, vref = g, v
			for i := range g {
				if lab[i%sh.S+(i/(sh.C*sh.S))*sh.S] == 255 && g[i] != 0 {
					t.Fatalf("grad %d = %v at an ignored pixel", i, g[i])
				}
			}
			continue
		}
		if v != vref {
			t.Fatalf("%d workers: %v, 1 worker %v", workers, v, vref)
		}
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("%d workers: grad %d = %v, 1 worker %v", workers, i, g[i], ref[i])
			}
		}
	}
	g := make([]float32, sh.Len())
	if a := testing.AllocsPerRun(3, func() { m.Backward(&ws, p, U8(lab), sh, g) }); a != 0 {
		t.Errorf("Backward: %v allocs/op", a)
	}
	small := Shape{1, 2, 2}
	ls := U8([]uint8{0, 1})
	for _, bad := range []*Multiclass{
		{Activation: NoActivation, Terms: []Weighted{{1, &CrossEntropy{}}}},
		{Activation: NoActivation, Terms: []Weighted{{1, Dice()}, {1, &Focal{Gamma: 2}}}},
		{Activation: 7, Terms: []Weighted{{1, Dice()}}},
	} {
		if _, err := bad.Forward(&ws, []float32{0, 1, 1, 0}, ls, small); !errors.Is(err, ErrOption) {
			t.Fatalf("%+v: %v, want ErrOption", bad, err)
		}
	}
	if _, err := m.Forward(&ws, []float32{0, 1.5, 1, 0}, ls, small); !errors.Is(err, ErrLabel) {
		t.Fatalf("input 1.5: %v, want ErrLabel", err)
	}
	var st Stats
	st.Reset(1, 2)
	if err := m.Accumulate(&ws, &st, []float32{0, 1, 1, 0}, ls, small, 0); !errors.Is(err, ErrOption) {
		t.Fatalf("Accumulate: %v, want ErrOption", err)
	}
	if err := m.Pixelwise(&ws, []float32{0, 1, 1, 0}, ls, small, make([]float32, 2)); !errors.Is(err, ErrOption) {
		t.Fatalf("Pixelwise: %v, want ErrOption", err)
	}
}

// TestBCEGradientRange: a BCE gradient scale that fits float32 but not once
// multiplied by the largest PosWeight, or by torch's 1/max(p(1-p), 1e-12)
// for probabilities, is ErrRange with nothing written (review finding:
// the gradient held -Inf with a nil error).
func TestBCEGradientRange(t *testing.T) {
	var ws Workspace
	defer ws.Close()
	sh := Shape{1, 1, 2}
	for _, tc := range []struct {
		name string
		b    *Binary
		x    []float32
		w    []float32
	}{
		{"probs, pos_weight 2^64", &Binary{Activation: NoActivation, Terms: []Weighted{{0x1p30, &BCE{Reduction: Sum, PosWeight: []float32{0x1p64}}}}}, []float32{0, 0.5}, nil},
		{"probs, weights 2^40", &Binary{Activation: NoActivation, Terms: []Weighted{{0x1p64, &BCE{Reduction: Sum}}}}, []float32{0, 0.5}, []float32{0x1p40, 1}},
		{"logits, pos_weight 2^64", &Binary{Terms: []Weighted{{0x1p64, &BCE{Reduction: Sum, PosWeight: []float32{0x1p64}}}}}, []float32{-80, 0.5}, nil},
	} {
		grad := []float32{42, 42}
		y := []float32{1, 0}
		var v float64
		var err error
		if tc.w != nil {
			v, err = tc.b.BackwardWeighted(&ws, tc.x, y, tc.w, sh, grad)
		} else {
			v, err = tc.b.Backward(&ws, tc.x, y, sh, grad)
		}
		if !errors.Is(err, ErrRange) || grad[0] != 42 || grad[1] != 42 {
			t.Fatalf("%s: value %v, %v, grad %v; want ErrRange and nothing written", tc.name, v, err, grad)
		}
	}
}
