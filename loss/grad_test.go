package loss

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// mcCases lists Multiclass losses covering every term and option.
func mcCases(C int) map[string]*Multiclass {
	w := make([]float32, C)
	for c := range w {
		w[c] = 0.5 + float32(c)*0.37
	}
	ce := func(t CrossEntropy) *Multiclass { return &Multiclass{Terms: []Weighted{{1, &t}}} }
	reg := func(r *Region) *Multiclass { return &Multiclass{Terms: []Weighted{{1, r}}} }
	with := func(r *Region, f func(*Region)) *Region { f(r); return r }
	return map[string]*Multiclass{
		"ce":                ce(CrossEntropy{}),
		"ce_sum":            ce(CrossEntropy{Reduction: Sum}),
		"ce_weight":         ce(CrossEntropy{Weight: w}),
		"ce_weight_pixmean": ce(CrossEntropy{Weight: w, Reduction: PixelMean}),
		"ce_smooth_weight":  ce(CrossEntropy{Weight: w, LabelSmoothing: 0.1}),
		"ce_smooth_ignore":  {Terms: []Weighted{{1, &CrossEntropy{LabelSmoothing: 0.2}}}, Ignore: Ignore(255)},
		"focal":             {Terms: []Weighted{{1, &Focal{Gamma: 2}}}},
		"focal_alpha_g0.5":  {Terms: []Weighted{{1, &Focal{Gamma: 0.5, Alpha: w}}}, Ignore: Ignore(255)},
		"focal_g3_sum":      {Terms: []Weighted{{1, &Focal{Gamma: 3, Reduction: Sum}}}},
		"dice":              reg(Dice()),
		"dice_perimage_sq":  reg(with(Dice(), func(r *Region) { r.PerImage, r.Squared = true, true })),
		"dice_nobg_weight":  reg(with(Dice(), func(r *Region) { r.ExcludeBackground, r.Weight = C > 1, w })),
		"dice_log_smooth":   reg(with(Dice(), func(r *Region) { r.Log, r.SmoothNum, r.SmoothDen = true, 0, 1 })),
		"dice_skip":         {Terms: []Weighted{{1, with(Dice(), func(r *Region) { r.PerImage, r.Empty = true, EmptySkip })}}, Ignore: Ignore(255)},
		"dice_zero":         reg(with(Dice(), func(r *Region) { r.PerImage, r.Empty = true, EmptyZero })),
		"iou":               reg(IoU()),
		"tversky":           reg(Tversky(0.3, 0.7)),
		"focal_tversky":     reg(FocalTversky(0.3, 0.7, 0.75)),
		"focal_tversky_g2":  reg(with(FocalTversky(0.4, 0.6, 2), func(r *Region) { r.PerImage = true })),
		"combined":          CombinedLoss(0.5, 0.5),
		"everything": {Terms: []Weighted{
			{0.3, &CrossEntropy{Weight: w, LabelSmoothing: 0.05}},
			{0.2, &Focal{Gamma: 2, Alpha: w}},
			{0.25, Dice()},
			{0.15, with(IoU(), func(r *Region) { r.Squared = true })},
			{0.1, with(FocalTversky(0.3, 0.7, 1.5), func(r *Region) { r.PerImage = true })},
		}, Ignore: Ignore(255)},
		"mix_linear": Mix(Linear{}, 3, 10, &CrossEntropy{}, Dice()),
	}
}

func bnCases(C int) map[string]*Binary {
	pw := make([]float32, C)
	for c := range pw {
		pw[c] = 2 + float32(c)
	}
	one := func(t Term) *Binary { return &Binary{Terms: []Weighted{{1, t}}} }
	with := func(r *Region, f func(*Region)) *Region { f(r); return r }
	return map[string]*Binary{
		"bce":              one(&BCE{}),
		"bce_posweight":    one(&BCE{PosWeight: pw, Reduction: Sum}),
		"sfocal":           one(NewSigmoidFocal()),
		"sfocal_noalpha":   one(&SigmoidFocal{Alpha: -1, Gamma: 0.5}),
		"sfocal_g1_sum":    one(&SigmoidFocal{Alpha: 0.7, Gamma: 1, Reduction: Sum}),
		"dice":             one(Dice()),
		"dice_sq_perimage": one(with(Dice(), func(r *Region) { r.Squared, r.PerImage = true, true })),
		"iou":              one(IoU()),
		"tversky":          one(Tversky(0.3, 0.7)),
		"focal_tversky":    one(FocalTversky(0.3, 0.7, 0.75)),
		"log_dice":         one(with(Dice(), func(r *Region) { r.Log = true })),
		"bce_dice":         {Terms: []Weighted{{0.5, &BCE{PosWeight: pw}}, {0.5, Dice()}}},
		"all": {Terms: []Weighted{{0.3, &BCE{}}, {0.3, NewSigmoidFocal()}, {0.2, IoU()},
			{0.2, with(Tversky(0.2, 0.8), func(r *Region) { r.Squared = true })}}},
		"mix_cosine": BinaryMix(Cosine{}, 4, 10, &BCE{}, Dice()),
	}
}

func randLogits(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// checkGrad compares an analytic float32 gradient with float64 central
// differences of f, relative to the largest reference magnitude.
func checkGrad(t *testing.T, name string, f func([]float64) float64, x []float64, g []float32) {
	t.Helper()
	const h = 1e-4
	num := make([]float64, len(x))
	gmax := 0.0
	for i := range x {
		xi := x[i]
		x[i] = xi + h
		fp := f(x)
		x[i] = xi - h
		fm := f(x)
		x[i] = xi
		num[i] = (fp - fm) / (2 * h)
		gmax = math.Max(gmax, math.Abs(num[i]))
	}
	// Absolute floor: where the exact gradient cancels to 0 (C = 1, say),
	// float32 rounding of the per-pixel coefficients (~1/count) remains.
	tol := 1e-5*gmax + 1e-8
	for i := range x {
		if d := math.Abs(float64(g[i]) - num[i]); !(d <= tol) {
			t.Errorf("%s: grad[%d] = %g, central difference %g (|diff| %g > %g)", name, i, g[i], num[i], d, tol)
			return
		}
	}
}

func closeRel(a, b, rel, abs float64) bool {
	return math.Abs(a-b) <= rel*math.Abs(b)+abs
}

func TestMulticlassAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []Shape{{2, 3, 37}, {3, 1, 5}, {1, 5, 63}} {
		cases := mcCases(sh.C)
		for _, name := range slices.Sorted(maps.Keys(cases)) {
			m := cases[name]
			t.Run(fmt.Sprintf("%s/%dx%dx%d", name, sh.N, sh.C, sh.S), func(t *testing.T) {
				x := randLogits(r, sh.Len(), 2)
				lab := make([]uint8, sh.N*sh.S)
				for i := range lab {
					lab[i] = uint8(r.IntN(sh.C))
					if r.IntN(8) == 0 {
						lab[i] = 255
					}
				}
				if _, ok := m.Ignore.Label(); !ok {
					for i := range lab {
						if lab[i] == 255 {
							lab[i] = 0
						}
					}
				}
				var ws Workspace
				g := make([]float32, len(x))
				v, err := m.Backward(&ws, x, U8(lab), sh, g)
				if err != nil {
					t.Fatal(err)
				}
				v2, err := m.Forward(&ws, x, U8(lab), sh)
				if err != nil || v2 != v {
					t.Fatalf("Forward = %v, %v; Backward gave %v", v2, err, v)
				}
				x64 := to64(x)
				ref := refMulticlass(m, x64, U8(lab), sh)
				if !closeRel(v, ref, 1e-5, 1e-7) {
					t.Errorf("value %v, reference %v", v, ref)
				}
				checkGrad(t, name, func(x []float64) float64 { return refMulticlass(m, x, U8(lab), sh) }, x64, g)
			})
		}
	}
}

func TestBinaryAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []Shape{{2, 1, 41}, {2, 3, 17}} {
		cases := bnCases(sh.C)
		for _, name := range slices.Sorted(maps.Keys(cases)) {
			b := cases[name]
			for _, soft := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/soft=%v/%dx%dx%d", name, soft, sh.N, sh.C, sh.S), func(t *testing.T) {
					x := randLogits(r, sh.Len(), 2)
					y := make([]float32, len(x))
					for i := range y {
						if soft {
							y[i] = r.Float32()
						} else if r.IntN(3) == 0 {
							y[i] = 1
						}
					}
					var ws Workspace
					g := make([]float32, len(x))
					v, err := b.Backward(&ws, x, y, sh, g)
					if err != nil {
						t.Fatal(err)
					}
					x64, y64 := to64(x), to64(y)
					ref := refBinary(b, x64, y64, sh)
					if !closeRel(v, ref, 1e-5, 1e-7) {
						t.Errorf("value %v, reference %v", v, ref)
					}
					checkGrad(t, name, func(x []float64) float64 { return refBinary(b, x, y64, sh) }, x64, g)
				})
			}
		}
	}
}
