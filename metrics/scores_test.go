package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segloss/segloss/loss"
)

// smooth is the chapter's smoothing of loss.Dice and loss.IoU. On one-hot
// predictions the soft ratio (k*I + s)/(D + s) differs from the hard one by
// s*|D - k*I|/(D*(D + s)) < s for D >= 1, and for an empty class absent
// from the target but predicted, s/(P + s) < s: so |metric - (1 - loss)| <
// s per class, and so in every mean of classes.
const smooth = 1e-6

// oneHotBatch returns a random batch whose logits are +-1e4, so that the
// softmax is exactly 0 or 1, with labels that make every kind of empty
// class happen: class 3 is never in the target but predicted in image 0,
// class 4 is in neither, and label 255 is ignored.
func oneHotBatch(rng *rand.Rand) ([]float32, []uint8, loss.Shape) {
	sh := loss.Shape{N: 3, C: 5, S: 200}
	x := make([]float32, sh.Len())
	lab := make([]uint8, sh.N*sh.S)
	for n := 0; n < sh.N; n++ {
		for i := 0; i < sh.S; i++ {
			y := rng.IntN(3)
			if n == 2 && y == 1 {
				y = 2 // class 1 is absent from image 2's target
			}
			k := y
			if rng.IntN(4) == 0 {
				k = rng.IntN(3) // a wrong prediction a quarter of the time
			}
			if n == 0 && i < 5 {
				k = 3 // class 3 predicted, never a target
			}
			if rng.IntN(20) == 0 {
				y = 255
			}
			lab[n*sh.S+i] = uint8(y)
			for c := 0; c < sh.C; c++ {
				v := float32(-1e4)
				if c == k {
					v = 1e4
				}
				x[(n*sh.C+c)*sh.S+i] = v
			}
		}
	}
	return x, lab, sh
}

// TestDiceIsOneMinusLoss checks Dice = 1 - Dice loss and IoU = 1 - IoU loss
// on one-hot softmax predictions, for every empty policy of the loss mapped
// by EmptyFromLoss, batch and per-image aggregation, with and without
// background, with an ignore index.
func TestDiceIsOneMinusLoss(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		x, lab, sh := oneHotBatch(rng)
		m := Counts{C: sh.C, Ignore: loss.Ignore(255), PerImage: true}
		if err := m.Add(x, loss.U8(lab), sh); err != nil {
			t.Fatal(err)
		}
		var ws loss.Workspace
		for _, empty := range []loss.EmptyPolicy{loss.EmptyComputed, loss.EmptySkip, loss.EmptyZero} {
			pol, err := EmptyFromLoss(empty)
			if err != nil {
				t.Fatal(err)
			}
			for _, noBg := range []bool{false, true} {
				r, err := m.Result(Options{ExcludeBackground: noBg, Empty: pol})
				if err != nil {
					t.Fatal(err)
				}
				for _, perImage := range []bool{false, true} {
					for _, kind := range []string{"Dice", "IoU"} {
						reg := loss.Dice()
						got := r.MacroDice
						if perImage {
							got = r.ImageDice
						}
						if kind == "IoU" {
							reg = loss.IoU()
							got = r.MacroIoU
							if perImage {
								got = r.ImageIoU
							}
						}
						reg.Empty, reg.ExcludeBackground, reg.PerImage = empty, noBg, perImage
						l := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: reg}}, Ignore: loss.Ignore(255)}
						v, err := l.Forward(&ws, x, loss.U8(lab), sh)
						if err != nil {
							t.Fatal(err)
						}
						if math.Abs(got-(1-v)) >= smooth {
							t.Errorf("%v, exclude background %v, per image %v: metric %s %.9f, 1 - loss %.9f",
								empty, noBg, perImage, kind, got, 1-v)
						}
					}
				}
			}
		}
		// The batch was made to exercise the policies: they must differ.
		a, _ := m.Result(Options{Empty: BothEmptyOne})
		b, _ := m.Result(Options{Empty: TargetEmptySkip})
		c, _ := m.Result(Options{Empty: TargetEmptyOne})
		if a.MacroDice == b.MacroDice || b.MacroDice == c.MacroDice || a.MacroDice == c.MacroDice {
			t.Errorf("policies give the same macro Dice: %v %v %v", a.MacroDice, b.MacroDice, c.MacroDice)
		}
		if a.Dice[3] != 0 || a.Dice[4] != 1 || !math.IsNaN(b.Dice[3]) || !math.IsNaN(b.Dice[4]) || c.Dice[3] != 1 || c.Dice[4] != 1 {
			t.Errorf("empty classes: BothEmptyOne %v, TargetEmptySkip %v, TargetEmptyOne %v", a.Dice[3:], b.Dice[3:], c.Dice[3:])
		}
	})
}

// TestBinaryDiceIsOneMinusLoss does the same for sigmoid outputs of exactly
// 0 and 1 (logits +-1e4) against loss.Binary with a Region term, two
// channels, one of them empty in one image.
func TestBinaryDiceIsOneMinusLoss(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		sh := loss.Shape{N: 3, C: 2, S: 300}
		x := make([]float32, sh.Len())
		y := make([]float32, sh.Len())
		for n := 0; n < sh.N; n++ {
			for c := 0; c < sh.C; c++ {
				for i := 0; i < sh.S; i++ {
					j := (n*sh.C+c)*sh.S + i
					pos := rng.IntN(5) == 0
					if n == 1 && c == 1 {
						pos = false // target empty; predicted in a few pixels
					}
					pred := pos != (rng.IntN(6) == 0)
					if n == 2 && c == 1 {
						pos, pred = false, false // empty in both
					}
					if pos {
						y[j] = 1
					}
					x[j] = -1e4
					if pred {
						x[j] = 1e4
					}
				}
			}
		}
		m := Counts{C: sh.C, PerImage: true}
		if err := m.AddBinary(x, y, sh); err != nil {
			t.Fatal(err)
		}
		var ws loss.Workspace
		for _, empty := range []loss.EmptyPolicy{loss.EmptyComputed, loss.EmptySkip, loss.EmptyZero} {
			pol, _ := EmptyFromLoss(empty)
			r, err := m.Result(Options{Empty: pol})
			if err != nil {
				t.Fatal(err)
			}
			for _, perImage := range []bool{false, true} {
				for _, reg := range []*loss.Region{loss.Dice(), loss.IoU()} {
					reg.Empty, reg.PerImage = empty, perImage
					l := &loss.Binary{Terms: []loss.Weighted{{Weight: 1, Term: reg}}}
					v, err := l.Forward(&ws, x, y, sh)
					if err != nil {
						t.Fatal(err)
					}
					got := map[[2]bool]float64{
						{false, false}: r.MacroDice, {false, true}: r.ImageDice,
						{true, false}: r.MacroIoU, {true, true}: r.ImageIoU,
					}[[2]bool{reg.Kind == loss.IoURatio, perImage}]
					if math.Abs(got-(1-v)) >= smooth {
						t.Errorf("%v kind %v per image %v: metric %.9f, 1 - loss %.9f", empty, reg.Kind, perImage, got, 1-v)
					}
				}
			}
		}
	})
}

// TestDiceIoURelation checks Dice = 2 IoU / (1 + IoU) for every class of a
// random batch, and for the empty-class policies.
func TestDiceIoURelation(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sh := loss.Shape{N: 4, C: 6, S: 500}
	x := make([]float32, sh.Len())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	lab := make([]int32, sh.N*sh.S)
	for i := range lab {
		lab[i] = int32(rng.IntN(sh.C - 1)) // class 5 is never a target
	}
	m := Counts{C: sh.C, PerImage: true}
	if err := m.Add(x, loss.I32(lab), sh); err != nil {
		t.Fatal(err)
	}
	for pol := BothEmptyOne; pol <= TargetEmptyOne; pol++ {
		r, err := m.Result(Options{Empty: pol})
		if err != nil {
			t.Fatal(err)
		}
		all := append([]Scores{r.Scores}, r.Images...)
		for k, s := range all {
			for c := range s.Dice {
				d, j := s.Dice[c], s.IoU[c]
				if !near(d, 2*j/(1+j), 1e-15) {
					t.Errorf("%v scores %d class %d: Dice %v, 2 IoU/(1 + IoU) = %v", pol, k, c, d, 2*j/(1+j))
				}
			}
			if !near(s.MicroDice, 2*s.MicroIoU/(1+s.MicroIoU), 1e-15) {
				t.Errorf("%v scores %d micro: Dice %v IoU %v", pol, k, s.MicroDice, s.MicroIoU)
			}
		}
	}
}

// TestEmptyPolicies checks the score of each kind of class under each
// policy.
func TestEmptyPolicies(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		tp, fp, fn int64
		want       [5]float64 // BothEmptyOne, BothEmptySkip, BothEmptyZero, TargetEmptySkip, TargetEmptyOne
	}{
		{0, 0, 0, [5]float64{1, nan, 0, nan, 1}},       // in neither
		{0, 4, 0, [5]float64{0, 0, 0, nan, 1}},         // predicted, not in the target
		{0, 0, 3, [5]float64{0, 0, 0, 0, 0}},           // missed
		{3, 2, 2, [5]float64{0.6, 0.6, 0.6, 0.6, 0.6}}, // 6 / 10
		{5, 0, 0, [5]float64{1, 1, 1, 1, 1}},           // perfect
		{1 << 40, 1, 0, [5]float64{1, 1, 1, 1, 1}},     // huge counts: exact to float64
		{2, 2, 0, [5]float64{2. / 3, 2. / 3, 2. / 3, 2. / 3, 2. / 3}},
	}
	for _, tc := range cases {
		for p := BothEmptyOne; p <= TargetEmptyOne; p++ {
			got := Dice(tc.tp, tc.fp, tc.fn, p)
			tol := 1e-15
			if tc.tp == 1<<40 {
				tol = 1e-12
			}
			if !near(got, tc.want[p], tol) {
				t.Errorf("Dice(%d, %d, %d, %v) = %v, want %v", tc.tp, tc.fp, tc.fn, p, got, tc.want[p])
			}
		}
	}
	// Names.
	for p, want := range []string{"BothEmptyOne", "BothEmptySkip", "BothEmptyZero", "TargetEmptySkip", "TargetEmptyOne"} {
		if s := EmptyPolicy(p).String(); s != want {
			t.Errorf("EmptyPolicy(%d) = %q", p, s)
		}
	}
	if s := fmt.Sprint(EmptyPolicy(9)); s != "EmptyPolicy(9)" {
		t.Errorf("EmptyPolicy(9) = %q", s)
	}
	// A Counts with nothing added: every class is empty.
	m := Counts{C: 2}
	r, err := m.Result(Options{Empty: BothEmptySkip})
	if err != nil || !math.IsNaN(r.MacroDice) || !math.IsNaN(r.MicroIoU) || !math.IsNaN(r.ImageDice) {
		t.Errorf("empty counts: %v %+v", err, r)
	}
	r, _ = m.Result(Options{})
	if r.MacroDice != 1 || r.MicroDice != 1 {
		t.Errorf("empty counts, BothEmptyOne: %+v", r)
	}
}
