package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
	"github.com/segloss/segloss/loss"
)

// eachTier runs f once with every kernel tier this CPU runs.
func eachTier(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := kernels.Active()
	defer func() {
		if err := kernels.Use(prev); err != nil {
			t.Fatal(err)
		}
	}()
	for _, name := range kernels.Available() {
		if err := kernels.Use(name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, f)
	}
}

// The batch of loss's examples: 2 images, 3 classes, 2x2 pixels.
var (
	exShape  = loss.NewShape(2, 3, 2, 2)
	exLogits = []float32{
		2, 0, 0, 1,
		0, 2, 0, 0,
		0, 0, 2, 1,
		1, 1, 1, 1,
		3, 0, 0, -1,
		0, 0, 3, 2,
	}
	exLabels = []uint8{0, 1, 2, 2, 1, 1, 2, 2}
)

const eps = 1e-12

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func nearAll(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

// TestKnownCounts checks counts and scores worked out by hand (argmax ties
// go to the first class: pixel 3 of image 0 is predicted 0).
func TestKnownCounts(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		m := Counts{C: 3, PerImage: true}
		if err := m.Add(exLogits, loss.U8(exLabels), exShape); err != nil {
			t.Fatal(err)
		}
		want := func(name string, got, want []int64) {
			if !slices.Equal(got, want) {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}
		want("TP", m.TP, []int64{1, 2, 3})
		want("FP", m.FP, []int64{2, 0, 0})
		want("FN", m.FN, []int64{0, 1, 1})
		want("image 0 TP", m.Images[0].TP, []int64{1, 1, 1})
		want("image 0 FP", m.Images[0].FP, []int64{1, 0, 0})
		want("image 0 FN", m.Images[0].FN, []int64{0, 0, 1})
		want("image 1 TP", m.Images[1].TP, []int64{0, 1, 2})
		want("image 1 FP", m.Images[1].FP, []int64{1, 0, 0})
		want("image 1 FN", m.Images[1].FN, []int64{0, 1, 0})

		r, err := m.Result(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !nearAll(r.Dice, []float64{0.5, 0.8, 6.0 / 7}, eps) || !nearAll(r.IoU, []float64{1.0 / 3, 2.0 / 3, 0.75}, eps) {
			t.Errorf("per class Dice %v IoU %v", r.Dice, r.IoU)
		}
		if !near(r.MacroDice, (0.5+0.8+6.0/7)/3, eps) || !near(r.MacroIoU, (1.0/3+2.0/3+0.75)/3, eps) {
			t.Errorf("macro Dice %v IoU %v", r.MacroDice, r.MacroIoU)
		}
		// Micro with every class: TP 6, FP 2, FN 2; Dice = accuracy 6/8.
		if !near(r.MicroDice, 0.75, eps) || !near(r.MicroIoU, 0.6, eps) {
			t.Errorf("micro Dice %v IoU %v", r.MicroDice, r.MicroIoU)
		}
		// Per image: image 1 predicts class 0 that it does not contain.
		if !nearAll(r.Images[0].Dice, []float64{2.0 / 3, 1, 2.0 / 3}, eps) || !nearAll(r.Images[1].Dice, []float64{0, 2.0 / 3, 1}, eps) {
			t.Errorf("per image Dice %v %v", r.Images[0].Dice, r.Images[1].Dice)
		}
		if !near(r.ImageDice, 4.0/6, eps) {
			t.Errorf("ImageDice %v, want 2/3", r.ImageDice)
		}

		r, err = m.Result(Options{ExcludeBackground: true, Empty: TargetEmptySkip})
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(r.Dice[0]) || !math.IsNaN(r.IoU[0]) {
			t.Errorf("excluded background scored %v %v, want NaN", r.Dice[0], r.IoU[0])
		}
		if !near(r.MacroDice, (0.8+6.0/7)/2, eps) || !near(r.MicroDice, 10.0/12, eps) || !near(r.MicroIoU, 5.0/7, eps) {
			t.Errorf("without background: macro %v micro %v %v", r.MacroDice, r.MicroDice, r.MicroIoU)
		}
		// Image 1's class 0 is skipped now, and the background anyway.
		if !near(r.ImageDice, (1+2.0/3+2.0/3+1)/4, eps) {
			t.Errorf("ImageDice %v", r.ImageDice)
		}
	})
}

// refCounts is the confusion matrix of argmax predictions, counted plainly.
func refCounts(x []float32, lab []int32, sh loss.Shape, ign int32, useIgn bool) (tp, fp, fn [][]int64) {
	N, C, S := sh.N, sh.C, sh.S
	for n := 0; n < N; n++ {
		a, b, c := make([]int64, C), make([]int64, C), make([]int64, C)
		for i := 0; i < S; i++ {
			y := lab[n*S+i]
			if useIgn && y == ign {
				continue
			}
			k := 0
			for cl := 1; cl < C; cl++ {
				if x[(n*C+cl)*S+i] > x[(n*C+k)*S+i] {
					k = cl
				}
			}
			if int32(k) == y {
				a[y]++
			} else {
				b[k]++
				c[y]++
			}
		}
		tp, fp, fn = append(tp, a), append(fp, b), append(fn, c)
	}
	return tp, fp, fn
}

func sumRows(rows [][]int64) []int64 {
	s := make([]int64, len(rows[0]))
	for _, r := range rows {
		addTo(s, r)
	}
	return s
}

// TestCountsReference compares Add with a plain count on random batches of
// every size around the block length, uint8 and int32 labels, with and
// without an ignore index.
func TestCountsReference(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, S := range []int{1, 3, 17, kernels.BlockSize - 1, kernels.BlockSize, kernels.BlockSize + 5, 3000} {
			for _, C := range []int{1, 2, 5} {
				sh := loss.Shape{N: 3, C: C, S: S}
				x := make([]float32, sh.Len())
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				lab := make([]int32, sh.N*S)
				lab8 := make([]uint8, len(lab))
				for i := range lab {
					lab[i] = int32(rng.IntN(C))
					if rng.IntN(10) == 0 {
						lab[i] = 255
					}
					lab8[i] = uint8(lab[i])
				}
				for _, useIgn := range []bool{false, true} {
					var ign loss.IgnoreIndex
					if useIgn {
						ign = loss.Ignore(255)
					} else {
						for i := range lab {
							if lab[i] == 255 {
								lab[i], lab8[i] = 0, 0
							}
						}
					}
					tp, fp, fn := refCounts(x, lab, sh, 255, useIgn)
					for _, labels := range []loss.Labels{loss.U8(lab8), loss.I32(lab)} {
						m := Counts{C: C, Ignore: ign, PerImage: true}
						if err := m.Add(x, labels, sh); err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(m.TP, sumRows(tp)) || !slices.Equal(m.FP, sumRows(fp)) || !slices.Equal(m.FN, sumRows(fn)) {
							t.Fatalf("S=%d C=%d ignore=%v: totals %v %v %v, want %v %v %v", S, C, useIgn,
								m.TP, m.FP, m.FN, sumRows(tp), sumRows(fp), sumRows(fn))
						}
						for n := range tp {
							im := m.Images[n]
							if !slices.Equal(im.TP, tp[n]) || !slices.Equal(im.FP, fp[n]) || !slices.Equal(im.FN, fn[n]) {
								t.Fatalf("S=%d C=%d image %d: %v, want %v %v %v", S, C, n, im, tp[n], fp[n], fn[n])
							}
						}
						// Without PerImage the totals are the same.
						m2 := Counts{C: C, Ignore: ign}
						if err := m2.Add(x, labels, sh); err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(m2.TP, m.TP) || !slices.Equal(m2.FP, m.FP) || !slices.Equal(m2.FN, m.FN) || m2.Images != nil {
							t.Fatalf("totals without PerImage differ")
						}
					}
				}
			}
		}
	})
}

// TestBinaryCounts checks AddBinary against a plain count, with the default
// threshold 0.5 and with 0.7.
func TestBinaryCounts(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		sh := loss.Shape{N: 2, C: 3, S: 1500}
		x := make([]float32, sh.Len())
		y := make([]float32, sh.Len())
		for i := range x {
			x[i] = float32(2 * rng.NormFloat64())
			y[i] = float32(rng.IntN(2))
			if rng.IntN(7) == 0 {
				y[i] = rng.Float32() // soft labels: positive when >= 0.5
			}
		}
		for _, thr := range []float64{0, 0.7} {
			m := Counts{C: sh.C, Threshold: thr, PerImage: true}
			if err := m.AddBinary(x, y, sh); err != nil {
				t.Fatal(err)
			}
			p := thr
			if p == 0 {
				p = 0.5
			}
			tp, fp, fn := make([]int64, sh.C), make([]int64, sh.C), make([]int64, sh.C)
			for n := 0; n < sh.N; n++ {
				var itp int64
				for c := 0; c < sh.C; c++ {
					for i := 0; i < sh.S; i++ {
						j := (n*sh.C+c)*sh.S + i
						pred := 1/(1+math.Exp(-float64(x[j]))) > p
						pos := y[j] >= 0.5
						switch {
						case pred && pos:
							tp[c]++
							itp++
						case pred:
							fp[c]++
						case pos:
							fn[c]++
						}
					}
				}
				var got int64
				for _, v := range m.Images[n].TP {
					got += v
				}
				if got != itp {
					t.Errorf("threshold %v image %d: TP %d, want %d", thr, n, got, itp)
				}
			}
			if !slices.Equal(m.TP, tp) || !slices.Equal(m.FP, fp) || !slices.Equal(m.FN, fn) {
				t.Errorf("threshold %v: %v %v %v, want %v %v %v", thr, m.TP, m.FP, m.FN, tp, fp, fn)
			}
		}
	})
}

// TestMerge checks that counts of parts merged give the counts of the whole,
// per image in order, and that Reset starts over.
func TestMerge(t *testing.T) {
	whole := Counts{C: 3, PerImage: true}
	if err := whole.Add(exLogits, loss.U8(exLabels), exShape); err != nil {
		t.Fatal(err)
	}
	one := loss.Shape{N: 1, C: 3, S: 4}
	a, b := Counts{C: 3, PerImage: true}, Counts{C: 3, PerImage: true}
	if err := a.Add(exLogits[:12], loss.U8(exLabels[:4]), one); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(exLogits[12:], loss.U8(exLabels[4:]), one); err != nil {
		t.Fatal(err)
	}
	var m = Counts{C: 3, PerImage: true}
	for _, p := range []*Counts{&a, &b} {
		if err := m.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(m.TP, whole.TP) || !slices.Equal(m.FP, whole.FP) || !slices.Equal(m.FN, whole.FN) {
		t.Errorf("merged %v %v %v, want %v %v %v", m.TP, m.FP, m.FN, whole.TP, whole.FP, whole.FN)
	}
	if len(m.Images) != 2 || !slices.Equal(m.Images[1].FN, whole.Images[1].FN) || !slices.Equal(m.Images[0].FP, whole.Images[0].FP) {
		t.Errorf("merged images %v, want %v", m.Images, whole.Images)
	}
	// Merged images are copies: resetting a part leaves them alone.
	b.Reset()
	if !slices.Equal(m.Images[1].TP, []int64{0, 1, 2}) {
		t.Errorf("Reset of a merged part changed the merge: %v", m.Images[1].TP)
	}
	if !slices.Equal(b.TP, []int64{0, 0, 0}) || len(b.Images) != 0 {
		t.Errorf("after Reset: %v, %d images", b.TP, len(b.Images))
	}
	// Merging into itself doubles.
	if err := m.Merge(&m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.TP, []int64{2, 4, 6}) || len(m.Images) != 4 || !slices.Equal(m.Images[3].TP, []int64{0, 1, 2}) {
		t.Errorf("self merge: %v, %d images", m.TP, len(m.Images))
	}
	// An empty Counts merges as nothing.
	if err := m.Merge(&Counts{C: 3, PerImage: true}); err != nil || !slices.Equal(m.TP, []int64{2, 4, 6}) {
		t.Errorf("merge of empty: %v %v", err, m.TP)
	}
	// Add after Reset counts from zero.
	whole.Reset()
	if err := whole.Add(exLogits, loss.U8(exLabels), exShape); err != nil || !slices.Equal(whole.TP, []int64{1, 2, 3}) || len(whole.Images) != 2 {
		t.Errorf("after Reset and Add: %v %v, %d images", err, whole.TP, len(whole.Images))
	}
}

// TestBadInput checks that bad input is an error wrapping loss's error
// kinds, never a panic, and leaves the counts unchanged.
func TestBadInput(t *testing.T) {
	sh := loss.Shape{N: 1, C: 2, S: 3}
	x := []float32{1, 2, 3, 4, 5, 6}
	y := []float32{0, 1, 0, 1, 1, 0}
	ok := []uint8{0, 1, 1}
	cases := []struct {
		name string
		want error
		f    func(m *Counts) error
	}{
		{"C zero", loss.ErrShape, func(m *Counts) error { m.C = 0; return m.Add(x, loss.U8(ok), sh) }},
		{"C negative", loss.ErrShape, func(m *Counts) error { m.C = -1; return m.AddBinary(x, y, sh) }},
		{"shape N zero", loss.ErrShape, func(m *Counts) error { return m.Add(nil, loss.U8(nil), loss.Shape{N: 0, C: 2, S: 3}) }},
		{"shape C mismatch", loss.ErrShape, func(m *Counts) error { return m.Add(x, loss.U8(ok[:2]), loss.Shape{N: 1, C: 3, S: 2}) }},
		{"shape overflow", loss.ErrShape, func(m *Counts) error { return m.Add(x, loss.U8(ok), loss.Shape{N: 1 << 40, C: 2, S: 1 << 40}) }},
		{"short logits", loss.ErrLength, func(m *Counts) error { return m.Add(x[:5], loss.U8(ok), sh) }},
		{"long labels", loss.ErrLength, func(m *Counts) error { return m.Add(x, loss.U8([]uint8{0, 1, 1, 0}), sh) }},
		{"nil labels", loss.ErrLength, func(m *Counts) error { return m.Add(x, loss.Labels{}, sh) }},
		{"short targets", loss.ErrLength, func(m *Counts) error { return m.AddBinary(x, y[:5], sh) }},
		{"u8 label >= C", loss.ErrLabel, func(m *Counts) error { return m.Add(x, loss.U8([]uint8{0, 2, 1}), sh) }},
		{"u8 255 not ignored", loss.ErrLabel, func(m *Counts) error { return m.Add(x, loss.U8([]uint8{0, 255, 1}), sh) }},
		{"i32 negative", loss.ErrLabel, func(m *Counts) error { return m.Add(x, loss.I32([]int32{0, -1, 1}), sh) }},
		{"i32 other than ignore", loss.ErrLabel, func(m *Counts) error {
			m.Ignore = loss.Ignore(-100)
			return m.Add(x, loss.I32([]int32{0, -99, 1}), sh)
		}},
		{"target above 1", loss.ErrLabel, func(m *Counts) error { return m.AddBinary(x, []float32{0, 1, 0, 1, 1.5, 0}, sh) }},
		{"target NaN", loss.ErrLabel, func(m *Counts) error {
			return m.AddBinary(x, []float32{0, 1, 0, float32(math.NaN()), 1, 0}, sh)
		}},
		{"threshold 1", loss.ErrOption, func(m *Counts) error { m.Threshold = 1; return m.AddBinary(x, y, sh) }},
		{"threshold NaN", loss.ErrOption, func(m *Counts) error { m.Threshold = math.NaN(); return m.AddBinary(x, y, sh) }},
		{"totals of wrong length", loss.ErrLength, func(m *Counts) error { m.FN = m.FN[:1]; return m.Add(x, loss.U8(ok), sh) }},
		{"merge nil", loss.ErrOption, func(m *Counts) error { return m.Merge(nil) }},
		{"merge other C", loss.ErrShape, func(m *Counts) error { return m.Merge(&Counts{C: 3}) }},
		{"merge other ignore", loss.ErrOption, func(m *Counts) error { return m.Merge(&Counts{C: 2, Ignore: loss.Ignore(255)}) }},
		{"merge other threshold", loss.ErrOption, func(m *Counts) error { return m.Merge(&Counts{C: 2, Threshold: 0.3}) }},
		{"merge other PerImage", loss.ErrOption, func(m *Counts) error { return m.Merge(&Counts{C: 2, PerImage: true}) }},
		{"result unknown policy", loss.ErrOption, func(m *Counts) error { _, err := m.Result(Options{Empty: 9}); return err }},
		{"result C 1 without background", loss.ErrOption, func(m *Counts) error {
			c := Counts{C: 1}
			_, err := c.Result(Options{ExcludeBackground: true})
			return err
		}},
	}
	for _, tc := range cases {
		m := Counts{C: 2}
		if err := m.Add(x, loss.U8(ok), sh); err != nil {
			t.Fatal(err)
		}
		before := [3][]int64{slices.Clone(m.TP), slices.Clone(m.FP), slices.Clone(m.FN)}
		err := tc.f(&m)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
		if m.C == 2 && len(m.FN) == 2 && (!slices.Equal(m.TP, before[0]) || !slices.Equal(m.FP, before[1]) || !slices.Equal(m.FN, before[2])) {
			t.Errorf("%s: counts changed on error", tc.name)
		}
	}
	// Threshold 0 is the default 0.5 and merges with 0.5.
	a, b := Counts{C: 1}, Counts{C: 1, Threshold: 0.5}
	if err := a.Merge(&b); err != nil {
		t.Errorf("threshold 0 and 0.5 do not merge: %v", err)
	}
	if _, err := EmptyFromLoss(loss.EmptyPolicy(7)); !errors.Is(err, loss.ErrOption) {
		t.Errorf("EmptyFromLoss(7): %v", err)
	}
}
