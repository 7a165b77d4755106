package loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Finite logits near the float32 limit (issue finding 9): the losses give
// their float64 reference values, never +Inf or NaN, and finite gradients
// while every pixel's logits spread at most math.MaxFloat32.

func f64s(x []float32) []float64 {
	v := make([]float64, len(x))
	for i, f := range x {
		v[i] = float64(f)
	}
	return v
}

// checkFinite fails on an infinite or NaN gradient element.
func checkFinite(t *testing.T, what string, g []float32) {
	t.Helper()
	for i, v := range g {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: gradient [%d] = %v", what, i, v)
		}
	}
}

func checkValue(t *testing.T, what string, got, want float64, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if math.IsNaN(got) || math.IsInf(got, 0) || math.Abs(got-want) > 1e-6*math.Abs(want) {
		t.Errorf("%s: %v, float64 reference %v", what, got, want)
	}
}

// TestOverflowSmoothing is the CE case: label smoothing 0.1, C = 4,
// one logit at +3e38 among ~N(0,1) (float64: about 5e35 per pixel on
// average; +Inf before), with and without class weights and a focal term,
// labelled the huge class or another.
func TestOverflowSmoothing(t *testing.T) {
	const N, C, S = 2, 4, 37
	sh := NewShape(N, C, S)
	r := rand.New(rand.NewPCG(9, 4))
	x := make([]float32, sh.Len())
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	lab := make([]uint8, N*S)
	for i := range lab {
		lab[i] = uint8(r.IntN(C))
	}
	x[(0*C+2)*S+5], lab[5] = 3e38, 1     // image 0, class 2, labelled 1
	x[(1*C+0)*S+30], lab[S+30] = 3e38, 0 // image 1, class 0, labelled 0
	losses := map[string]*Multiclass{
		"ce":       {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1}}}},
		"ce_w":     {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1, Weight: []float32{1, 2, 0.5, 3}}}}},
		"ce_focal": {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1}}, {Weight: 0.5, Term: &Focal{Gamma: 2}}}},
		"ce_dice":  {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1, Reduction: Sum}}, {Weight: 1, Term: Dice()}}},
	}
	eachTier(t, func(t *testing.T) {
		for name, m := range losses {
			want := refMulticlass(m, f64s(x), U8(lab), sh)
			var ws Workspace
			v, err := m.Forward(&ws, x, U8(lab), sh)
			checkValue(t, name+" Forward", v, want, err)
			g := make([]float32, sh.Len())
			v, err = m.Backward(&ws, x, U8(lab), sh, g)
			checkValue(t, name+" Backward", v, want, err)
			checkFinite(t, name, g)
		}
	})
}

// TestOverflowMulticlassSums: per-pixel CE near math.MaxFloat32 in many
// pixels (the float32 block sums overflow), and logits of +-3e38 in one
// pixel (x_y - max overflows float32; a zero class weight made it NaN):
// the values are the float64 reference's.
func TestOverflowMulticlassSums(t *testing.T) {
	const N, C, S = 1, 3, 500
	sh := NewShape(N, C, S)
	for _, big := range []float32{1e38, 3e38} {
		x := make([]float32, sh.Len())
		r := rand.New(rand.NewPCG(9, 5))
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		lab := make([]uint8, S)
		for i := 0; i < S; i += 2 {
			x[i], x[S+i] = -big, big // label 0 far below class 1
		}
		losses := map[string]*Multiclass{
			"ce":        {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{}}}},
			"ce_ls":     {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1}}}},
			"ce_w0":     {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{LabelSmoothing: 0.1, Weight: []float32{0, 1, 2}, Reduction: Sum}}}},
			"focal":     {Terms: []Weighted{{Weight: 1, Term: &Focal{Gamma: 2, Alpha: []float32{0.25, 1, 1}}}}},
			"ce_dice":   {Terms: []Weighted{{Weight: 1, Term: &CrossEntropy{}}, {Weight: 1, Term: Dice()}}},
			"focal_sum": {Terms: []Weighted{{Weight: 1, Term: &Focal{Gamma: 2, Reduction: Sum}}}},
		}
		eachTier(t, func(t *testing.T) {
			for name, m := range losses {
				what := fmt.Sprintf("%s big=%g", name, big)
				want := refMulticlass(m, f64s(x), U8(lab), sh)
				var ws Workspace
				v, err := m.Forward(&ws, x, U8(lab), sh)
				checkValue(t, what+" Forward", v, want, err)
				g := make([]float32, sh.Len())
				v, err = m.Backward(&ws, x, U8(lab), sh, g)
				checkValue(t, what+" Backward", v, want, err)
				if big <= math.MaxFloat32/2 { // the spread within the domain
					checkFinite(t, what, g)
				}
			}
		})
	}
}

// TestOverflowBinary is the BCE case, x = [3e38, 3e38] against
// targets [0, 0] (3e38; +Inf before), and blocks of such values with
// pos_weight and the sigmoid focal term.
func TestOverflowBinary(t *testing.T) {
	type bcase struct {
		name string
		x, y []float32
	}
	cases := []bcase{{"issue", []float32{3e38, 3e38}, []float32{0, 0}}}
	x, y := make([]float32, 3000), make([]float32, 3000)
	for i := range x {
		x[i], y[i] = [4]float32{3e38, -3e38, -2e38, 0.5}[i%4], [4]float32{0, 1, 0.25, 1}[i%4]
	}
	cases = append(cases, bcase{"blocks", x, y})
	eachTier(t, func(t *testing.T) {
		for _, bc := range cases {
			sh := NewShape(1, 1, len(bc.x))
			losses := map[string]*Binary{
				"bce":       {Terms: []Weighted{{Weight: 1, Term: &BCE{}}}},
				"bce_pw":    {Terms: []Weighted{{Weight: 1, Term: &BCE{PosWeight: []float32{3}, Reduction: Sum}}}},
				"focal":     {Terms: []Weighted{{Weight: 1, Term: NewSigmoidFocal()}}},
				"bce_dice":  {Terms: []Weighted{{Weight: 1, Term: &BCE{}}, {Weight: 1, Term: Dice()}}},
				"bce_focal": {Terms: []Weighted{{Weight: 1, Term: &BCE{}}, {Weight: 1, Term: &SigmoidFocal{Alpha: -1, Gamma: 2}}}},
			}
			for name, b := range losses {
				what := bc.name + " " + name
				want := refBinary(b, f64s(bc.x), f64s(bc.y), sh)
				var ws Workspace
				v, err := b.Forward(&ws, bc.x, bc.y, sh)
				checkValue(t, what+" Forward", v, want, err)
				g := make([]float32, sh.Len())
				v, err = b.Backward(&ws, bc.x, bc.y, sh, g)
				checkValue(t, what+" Backward", v, want, err)
				checkFinite(t, what, g)
			}
		}
	})
}
