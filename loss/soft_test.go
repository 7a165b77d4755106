package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftGolden checks ForwardSoft and BackwardSoft against torch
// (testdata/soft_golden.py): cross_entropy with probability targets (class
// weights, smoothing, mean and sum; one-hot, smoothed, Dirichlet and
// arbitrary targets), region terms of softmax(x) and of probability inputs
// against soft targets (MONAI's soft_label form too), CE + Dice;
// Forward's value equal to Backward's. (Workers 2 runs on one goroutine
// here too, the cases being under minParallel: TestSoftWorkers checks the
// worker counts.)
func TestSoftGolden(t *testing.T) {
	var g struct{ Cases []weightCase }
	readGzipJSON(t, "../testdata/soft.json.gz", &g)
	if len(g.Cases) < 80 {
		t.Fatalf("%d cases", len(g.Cases))
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			sh := NewShape(c.Shape[0], c.Shape[1], c.Shape[2:]...)
			m := c.multiclass(t)
			var ws Workspace
			defer ws.Close()
			var first []float32
			for _, workers := range []int{1, 2} {
				m.Workers = workers
				grad := make([]float32, sh.Len())
				v, err := m.BackwardSoft(&ws, c.Logits, c.Targets, sh, grad)
				if err != nil {
					t.Fatal(err)
				}
				f, err := m.ForwardSoft(&ws, c.Logits, c.Targets, sh)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(v-c.Loss) > goldenValueRel*math.Abs(c.Loss)+goldenValueAbs {
					t.Fatalf("BackwardSoft: loss %.9g, torch %.9g", v, c.Loss)
				}
				if f != v {
					t.Fatalf("ForwardSoft %v, BackwardSoft %v", f, v)
				}
				compareSlice(t, "grad", grad, c.Grad)
				if first == nil {
					first = grad
				} else {
					for i := range grad {
						if math.Float32bits(grad[i]) != math.Float32bits(first[i]) {
							t.Fatalf("grad[%d] = %v with 2 workers, %v with 1", i, grad[i], first[i])
						}
					}
				}
			}
		})
	}
}

// TestSoftOneHot: one-hot probability targets give the class-index loss
// and gradient (within float32 rounding: the class-index path runs the
// float32 kernels) for CE (weights, smoothing) + Dice and IoU, on a shape
// large enough for several chunks and two workers.
func TestSoftOneHot(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sh := NewShape(2, 4, 3*softmaxChunk(4)+17)
	x := randLogits(r, sh.Len(), 3)
	lab := make([]int32, sh.N*sh.S)
	y := make([]float32, sh.Len())
	for n := 0; n < sh.N; n++ {
		for i := 0; i < sh.S; i++ {
			k := r.IntN(sh.C)
			lab[n*sh.S+i] = int32(k)
			y[(n*sh.C+k)*sh.S+i] = 1
		}
	}
	for _, m := range []*Multiclass{
		// Sum: class-index Mean divides by the labels' class weights
		// (torch's), probability targets' by N*S (torch's): Sum compares.
		{Terms: []Weighted{{0.5, &CrossEntropy{Weight: []float32{1, 2, 0.5, 3}, LabelSmoothing: 0.1, Reduction: Sum}}, {0.5, Dice()}}},
		{Terms: []Weighted{{1, &CrossEntropy{}}, {2, &Region{Kind: IoURatio, PerImage: true}}}},
	} {
		for _, workers := range []int{1, 2} {
			m.Workers = workers
			var ws Workspace
			g1, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
			v1, err1 := m.Backward(&ws, x, I32(lab), sh, g1)
			v2, err2 := m.BackwardSoft(&ws, x, y, sh, g2)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if math.Abs(v1-v2) > 1e-5*math.Abs(v1) {
				t.Fatalf("workers %d: class-index loss %v, one-hot targets %v", workers, v1, v2)
			}
			scale := 0.0
			for _, v := range g1 {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range g1 {
				if math.Abs(float64(g1[i]-g2[i])) > 1e-5*scale {
					t.Fatalf("workers %d: grad[%d] class-index %v, one-hot targets %v", workers, i, g1[i], g2[i])
				}
			}
			ws.Close()
		}
	}
}

// TestSoftBadInput: what probability targets refuse, each an error value
// with nothing written into the gradient.
func TestSoftBadInput(t *testing.T) {
	sh := NewShape(1, 3, 5)
	x := make([]float32, sh.Len())
	y := make([]float32, sh.Len())
	for i := 0; i < sh.S; i++ {
		y[i] = 1
	}
	ce := []Weighted{{1, &CrossEntropy{}}}
	for _, tc := range []struct {
		name string
		m    *Multiclass
		x, y []float32
		want error
	}{
		{"short targets", &Multiclass{Terms: ce}, x, y[:14], ErrLength},
		{"short logits", &Multiclass{Terms: ce}, x[:14], y, ErrLength},
		{"target above 1", &Multiclass{Terms: ce}, x, append(append([]float32{}, y[:14]...), 1.5), ErrLabel},
		{"NaN target", &Multiclass{Terms: ce}, x, append(append([]float32{}, y[:14]...), float32(math.NaN())), ErrLabel},
		{"negative target", &Multiclass{Terms: ce}, x, append([]float32{-0.5}, y[1:]...), ErrLabel},
		{"ignore index", &Multiclass{Terms: ce, Ignore: Ignore(0)}, x, y, ErrOption},
		{"focal", &Multiclass{Terms: []Weighted{{1, &Focal{Gamma: 2}}}}, x, y, ErrOption},
		{"weight mean", &Multiclass{Terms: []Weighted{{1, &CrossEntropy{Reduction: WeightMean}}}}, x, y, ErrOption},
		{"CE on probabilities", &Multiclass{Terms: ce, Activation: NoActivation}, x, y, ErrOption},
		{"input above 1", &Multiclass{Terms: []Weighted{{1, Dice()}}, Activation: NoActivation}, append([]float32{2}, x[1:]...), y, ErrLabel},
		// NoActivation: the kernels' bits find these, after the statistics
		// pass and before the gradient one
		{"target above 1, probabilities", &Multiclass{Terms: []Weighted{{1, Dice()}}, Activation: NoActivation}, x, append(append([]float32{}, y[:14]...), 1.5), ErrLabel},
		{"NaN target, probabilities", &Multiclass{Terms: []Weighted{{1, Dice()}}, Activation: NoActivation}, x, append([]float32{float32(math.NaN())}, y[1:]...), ErrLabel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ws Workspace
			grad := make([]float32, sh.Len())
			for i := range grad {
				grad[i] = -7
			}
			if _, err := tc.m.ForwardSoft(&ws, tc.x, tc.y, sh); !errors.Is(err, tc.want) {
				t.Fatalf("ForwardSoft: error %v, want %v", err, tc.want)
			}
			if len(tc.x) == sh.Len() {
				if _, err := tc.m.BackwardSoft(&ws, tc.x, tc.y, sh, grad); !errors.Is(err, tc.want) {
					t.Fatalf("BackwardSoft: error %v, want %v", err, tc.want)
				}
			}
			for i, v := range grad {
				if v != -7 {
					t.Fatalf("grad[%d] = %v written on an error", i, v)
				}
			}
		})
	}
	var ws Workspace
	if _, err := (&Multiclass{Terms: ce}).BackwardSoft(&ws, x, y, sh, nil); !errors.Is(err, ErrLength) {
		t.Fatalf("nil gradient: %v", err)
	}
	if _, err := (&Multiclass{Terms: ce}).BackwardSoft(&ws, x, y, sh, x); !errors.Is(err, ErrOption) {
		t.Fatalf("gradient over the logits: %v", err)
	}
}

// TestSoftAllocs: a call allocates nothing once its Workspace has grown.
func TestSoftAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sh := NewShape(2, 3, 2*softmaxChunk(3)+5)
	x := randLogits(r, sh.Len(), 2)
	y := make([]float32, sh.Len())
	for i := range y {
		y[i] = r.Float32()
	}
	grad := make([]float32, sh.Len())
	m := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{}}, {1, Dice()}}, Workers: 2}
	var ws Workspace
	defer ws.Close()
	if _, err := m.BackwardSoft(&ws, x, y, sh, grad); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(5, func() {
		if _, err := m.BackwardSoft(&ws, x, y, sh, grad); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

// softFile is testdata/soft.json.gz beyond its cases.
type softFile struct {
	Pool []struct {
		Full, Out []int
		C         int
		Labels    []int32
		Want      []float32
	}
	Deepsup []struct {
		Full   []int
		Outs   [][]int
		C      int
		Terms  []weightTerm
		Labels []int32
		Logits [][]float32
		Loss   float64
		Grads  [][]float64
	}
}

// TestPoolAnyPresentTorch: PoolAnyPresent is torch's F.adaptive_max_pool
// of the one-hot labels (1-, 2- and 3-D, down and up), for int32 and uint8
// labels; a label outside [0, C) is ErrLabel.
func TestPoolAnyPresentTorch(t *testing.T) {
	var g softFile
	readGzipJSON(t, "../testdata/soft.json.gz", &g)
	if len(g.Pool) < 10 {
		t.Fatalf("%d pooling cases", len(g.Pool))
	}
	for _, c := range g.Pool {
		got := make([]float32, len(c.Want))
		for i := range got {
			got[i] = -1
		}
		if err := PoolAnyPresent(got, I32(c.Labels), 2, c.C, c.Full, c.Out); err != nil {
			t.Fatal(err)
		}
		u8 := make([]uint8, len(c.Labels))
		for i, v := range c.Labels {
			u8[i] = uint8(v)
		}
		got8 := make([]float32, len(c.Want))
		if err := PoolAnyPresent(got8, U8(u8), 2, c.C, c.Full, c.Out); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != c.Want[i] || got8[i] != c.Want[i] {
				t.Fatalf("%v -> %v: element %d = %v (uint8 %v), torch %v", c.Full, c.Out, i, got[i], got8[i], c.Want[i])
			}
		}
	}
	c := g.Pool[0]
	bad := append([]int32{}, c.Labels...)
	bad[7] = int32(c.C)
	if err := PoolAnyPresent(make([]float32, len(c.Want)), I32(bad), 2, c.C, c.Full, c.Out); !errors.Is(err, ErrLabel) {
		t.Fatalf("label C: %v, want ErrLabel", err)
	}
	if err := PoolAnyPresent(make([]float32, len(c.Want)-1), I32(c.Labels), 2, c.C, c.Full, c.Out); !errors.Is(err, ErrLength) {
		t.Fatalf("short dst: %v, want ErrLength", err)
	}
	if err := PoolAnyPresent(make([]float32, len(c.Want)), I32(c.Labels), 2, c.C, c.Full, c.Out[:1]); !errors.Is(err, ErrShape) {
		t.Fatalf("rank mismatch: %v, want ErrShape", err)
	}
}

// TestDeepSupervisionAnyPresent: DeepSupervision with DSAnyPresent against
// torch (exp level weights; level 0 on the labels, the others against the
// adaptive max pool of their one-hot), value and every level's gradient;
// an ignore index or a Focal term is ErrOption with nothing written.
func TestDeepSupervisionAnyPresent(t *testing.T) {
	var g softFile
	readGzipJSON(t, "../testdata/soft.json.gz", &g)
	if len(g.Deepsup) < 3 {
		t.Fatalf("%d deep supervision cases", len(g.Deepsup))
	}
	for _, c := range g.Deepsup {
		wc := weightCase{Terms: c.Terms}
		d := &DeepSupervision{Loss: wc.multiclass(t), Pooling: DSAnyPresent}
		grads := make([][]float32, len(c.Logits))
		for k := range grads {
			grads[k] = make([]float32, len(c.Logits[k]))
		}
		var ws Workspace
		v, err := d.Backward(&ws, c.Logits, c.Outs, I32(c.Labels), 2, c.C, c.Full, grads)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(v-c.Loss) > goldenValueRel*math.Abs(c.Loss)+goldenValueAbs {
			t.Fatalf("%v: loss %.9g, torch %.9g", c.Full, v, c.Loss)
		}
		for k := range grads {
			compareSlice(t, "grad", grads[k], c.Grads[k])
		}
		f, err := d.Backward(&ws, c.Logits, c.Outs, I32(c.Labels), 2, c.C, c.Full, nil)
		if err != nil || math.Abs(f-v) > 1e-6*math.Abs(v) {
			t.Fatalf("value alone %v (%v), with gradients %v", f, err, v)
		}
	}
	c := g.Deepsup[0]
	for name, m := range map[string]*Multiclass{
		"ignore": {Terms: []Weighted{{1, Dice()}}, Ignore: Ignore(0)},
		"focal":  {Terms: []Weighted{{1, &Focal{Gamma: 2}}}},
	} {
		grads := make([][]float32, len(c.Logits))
		for k := range grads {
			grads[k] = make([]float32, len(c.Logits[k]))
			for i := range grads[k] {
				grads[k][i] = -7
			}
		}
		var ws Workspace
		d := &DeepSupervision{Loss: m, Pooling: DSAnyPresent}
		if _, err := d.Backward(&ws, c.Logits, c.Outs, I32(c.Labels), 2, c.C, c.Full, grads); !errors.Is(err, ErrOption) {
			t.Fatalf("%s: error %v, want ErrOption", name, err)
		}
		for k := range grads {
			for i, v := range grads[k] {
				if v != -7 {
					t.Fatalf("%s: grads[%d][%d] written on an error", name, k, i)
				}
			}
		}
	}
	d := &DeepSupervision{Loss: &Multiclass{Terms: []Weighted{{1, Dice()}}}, Pooling: 7}
	var ws Workspace
	if _, err := d.Backward(&ws, c.Logits, c.Outs, I32(c.Labels), 2, c.C, c.Full, nil); !errors.Is(err, ErrOption) {
		t.Fatalf("unknown pooling: %v", err)
	}
}
