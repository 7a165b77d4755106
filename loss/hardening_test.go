package loss

// Regression tests of the hardening issue: each exact input a hostile user
// tried, with the answer the library now promises.

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// A used Workspace moved by value (a growing slice, a struct returned by
// value) keeps working after the original is collected; closing the copy
// and the original both is harmless.
func TestWorkspaceCopy(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 1))
	sh := Shape{N: 2, C: 4, S: 32771}
	x, lab, _ := bigCase(r, sh)
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 2
	m.Ignore = Ignore(255)

	wss := make([]Workspace, 1)
	want, err := m.Forward(&wss[0], x, U8(lab), sh)
	if err != nil {
		t.Fatal(err)
	}
	wss = append(wss, Workspace{}) // the slice grows: the old array is garbage
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // let cleanups run
	}
	got, err := m.Forward(&wss[0], x, U8(lab), sh)
	if err != nil || got != want {
		t.Fatalf("after the move: %v, %v; want %v", got, err, want)
	}

	type holder struct{ ws Workspace }
	mk := func() holder {
		var h holder
		if _, err := m.Forward(&h.ws, x, U8(lab), sh); err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := mk()
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got, err := m.Forward(&h.ws, x, U8(lab), sh); err != nil || got != want {
		t.Fatalf("returned by value: %v, %v; want %v", got, err, want)
	}

	c := h.ws
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.ws.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Forward(&c, x, U8(lab), sh); err != nil || got != want {
		t.Fatalf("after closing both copies: %v, %v; want %v", got, err, want)
	}
	var nilWS *Workspace
	if err := nilWS.Close(); err != nil {
		t.Fatal(err)
	}
}

// A Workspace used by two calls at once answers ErrBusy instead of
// corrupting its buffers or killing the process.
func TestWorkspaceBusy(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	sh := Shape{N: 2, C: 4, S: 32771}
	x, lab, y := bigCase(r, sh)
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 2
	m.Ignore = Ignore(255)
	b := &Binary{Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}, Workers: 2}
	var ref Workspace
	want, err := m.Forward(&ref, x, U8(lab), sh)
	if err != nil {
		t.Fatal(err)
	}
	wantB, err := b.Forward(&ref, x, y, sh)
	if err != nil {
		t.Fatal(err)
	}

	var ws Workspace
	// Deterministic: a call that finds the workspace held gets ErrBusy.
	w, err := ws.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(&ws, x, U8(lab), sh); !errors.Is(err, ErrBusy) {
		t.Fatalf("Forward on a busy workspace: %v, want ErrBusy", err)
	}
	c := ws // a copy shares the flag
	if _, err := b.Backward(&c, x, y, sh, make([]float32, len(x))); !errors.Is(err, ErrBusy) {
		t.Fatalf("Backward on a copy of a busy workspace: %v, want ErrBusy", err)
	}
	if err := ws.Close(); !errors.Is(err, ErrBusy) {
		t.Fatalf("Close of a busy workspace: %v, want ErrBusy", err)
	}
	w.release()

	// Racing goroutines: every call either succeeds with the right value
	// or says ErrBusy.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, busy int
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grad := make([]float32, len(x))
			for range 20 {
				var v, wv float64
				var err error
				if g%2 == 0 {
					wv = want
					v, err = m.Backward(&ws, x, U8(lab), sh, grad)
				} else {
					wv = wantB
					v, err = b.Forward(&ws, x, y, sh)
				}
				mu.Lock()
				switch {
				case errors.Is(err, ErrBusy):
					busy++
				case err != nil || v != wv:
					t.Errorf("racing call: %v, %v; want %v", v, err, wv)
				default:
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok == 0 {
		t.Fatalf("no racing call succeeded (%d busy)", busy)
	}
	t.Logf("%d calls succeeded, %d were told ErrBusy", ok, busy)
}

// finite reports whether v and every element of g are finite.
func finite(v float64, g []float32) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	for _, x := range g {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// The README's FocalTversky(0.3, 0.7, 0.75) on perfect predictions: the
// ratio may round a hair above 1, and the fractional power of 1-R must not
// turn that into NaN (softmax and sigmoid, every tier).
func TestFocalTverskyPerfect(t *testing.T) {
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		for k := 1; k <= 200; k++ {
			sh := Shape{N: 1, C: 2, S: 2 * k}
			x := make([]float32, sh.Len())
			lab := make([]uint8, sh.S)
			y := make([]float32, sh.Len())
			for i := 0; i < sh.S; i++ {
				c := i % 2
				lab[i] = uint8(c)
				x[c*sh.S+i], x[(1-c)*sh.S+i] = 30, -30
				y[c*sh.S+i] = 1
			}
			m := &Multiclass{Terms: []Weighted{{1, FocalTversky(0.3, 0.7, 0.75)}}}
			g := make([]float32, sh.Len())
			v, err := m.Backward(&ws, x, U8(lab), sh, g)
			if err != nil || !finite(v, g) || v > 1e-4 {
				t.Fatalf("Multiclass k=%d: %v, %v (gradient finite: %v)", k, v, err, finite(0, g))
			}
			b := &Binary{Terms: []Weighted{{1, FocalTversky(0.3, 0.7, 0.75)}}}
			v, err = b.Backward(&ws, x, y, sh, g)
			if err != nil || !finite(v, g) || v > 1e-4 {
				t.Fatalf("Binary k=%d: %v, %v (gradient finite: %v)", k, v, err, finite(0, g))
			}
		}
	})
}

// Zero smoothing: an entry with nothing predicted and nothing labelled is
// 0/0, defined as a perfect score (loss 0, gradient 0), the metric's
// BothEmptyOne.
func TestRegionZeroOverZero(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		sh := Shape{N: 2, C: 3, S: 50}
		x := randLogits(r, sh.Len(), 2)
		g := make([]float32, sh.Len())
		all := make([]uint8, sh.N*sh.S)
		for i := range all {
			all[i] = 255
		}
		for _, reg := range []*Region{
			{Kind: DiceRatio}, {Kind: IoURatio, Log: true}, {Kind: TverskyRatio, Alpha: 0.3, Beta: 0.7, Gamma: 0.75},
			{Kind: DiceRatio, PerImage: true, Squared: true},
		} {
			m := &Multiclass{Terms: []Weighted{{1, reg}}, Ignore: Ignore(255)}
			v, err := m.Backward(&ws, x, U8(all), sh, g)
			if err != nil || v != 0 || slices.ContainsFunc(g, func(v float32) bool { return v != 0 }) {
				t.Fatalf("%+v, every pixel ignored: %v, %v, want 0 and a zero gradient", *reg, v, err)
			}
		}

		// PerImage, image 1 wholly ignored: its entries score 0 and count
		// in the mean (EmptyComputed), so the loss is half of image 0's.
		lab := make([]uint8, sh.N*sh.S)
		for i := range lab {
			lab[i] = uint8(r.IntN(sh.C))
			if i >= sh.S {
				lab[i] = 255
			}
		}
		reg := &Region{Kind: DiceRatio, PerImage: true}
		m := &Multiclass{Terms: []Weighted{{1, reg}}, Ignore: Ignore(255)}
		v, err := m.Backward(&ws, x, U8(lab), sh, g)
		one := Shape{N: 1, C: sh.C, S: sh.S}
		v0, err0 := m.Forward(&ws, x[:one.Len()], U8(lab[:sh.S]), one)
		if err != nil || err0 != nil || !finite(v, g) || !closeRel(v, v0/2, 1e-12, 0) {
			t.Fatalf("PerImage with an ignored image: %v (%v), want %v/2 (%v)", v, err, v0, err0)
		}

		// Class 2 absent from the labels and, its logits far below the
		// others, from the prediction: p = 0 exactly.
		for i := range lab {
			lab[i] = uint8(r.IntN(2))
		}
		for n := 0; n < sh.N; n++ {
			for i := 0; i < sh.S; i++ {
				x[(n*sh.C+2)*sh.S+i] = -200
			}
		}
		// Reference: the same pixels with classes 0 and 1 only (the same
		// softmax), whose mean over 2 classes is 3/2 of the mean over 3
		// with class 2 scoring 0.
		two := Shape{N: sh.N, C: 2, S: sh.S}
		x2 := make([]float64, 0, two.Len())
		for n := 0; n < sh.N; n++ {
			x2 = append(x2, to64(x[n*sh.C*sh.S:(n*sh.C+2)*sh.S])...)
		}
		for _, reg := range []*Region{{Kind: DiceRatio}, {Kind: IoURatio}, {Kind: TverskyRatio, Alpha: 0.5, Beta: 0.5}} {
			m := &Multiclass{Terms: []Weighted{{1, reg}}}
			v, err := m.Backward(&ws, x, U8(lab), sh, g)
			want := refMulticlass(&Multiclass{Terms: []Weighted{{2.0 / 3, reg}}}, x2, U8(lab), two)
			if err != nil || !finite(v, g) || !closeRel(v, want, 1e-6, 1e-9) {
				t.Fatalf("%+v, class 2 absent: %v, %v, want %v and a finite gradient", *reg, v, err, want)
			}
		}
	})
}

// Bad indices and hand-built Stats are errors, never panics (on the
// caller's goroutine or a worker's).
func TestStatsHostile(t *testing.T) {
	var ws Workspace
	m := CombinedLoss(0.5, 0.5)
	m.Workers = 2
	b := &Binary{Terms: []Weighted{{1, Dice()}}, Workers: 2}
	sh := Shape{N: 1, C: 3, S: 49152}
	x := make([]float32, sh.Len())
	lab := make([]uint8, sh.N*sh.S)
	y := make([]float32, sh.Len())
	g := make([]float32, sh.Len())
	var st Stats
	if err := st.Reset(1, 3); err != nil {
		t.Fatal(err)
	}
	for _, first := range []int{math.MaxInt, math.MaxInt - 1, -1, 1} {
		if err := m.Accumulate(&ws, &st, x, U8(lab), sh, first); !errors.Is(err, ErrShape) {
			t.Errorf("Multiclass.Accumulate first=%d: %v, want ErrShape", first, err)
		}
		if _, err := m.Gradient(&ws, &st, x, U8(lab), sh, first, g); !errors.Is(err, ErrShape) {
			t.Errorf("Multiclass.Gradient first=%d: %v, want ErrShape", first, err)
		}
	}
	var bst Stats
	if err := bst.Reset(1, 3); err != nil {
		t.Fatal(err)
	}
	for _, first := range []int{math.MaxInt, -1} {
		if err := b.Accumulate(&ws, &bst, x, y, sh, first); !errors.Is(err, ErrShape) {
			t.Errorf("Binary.Accumulate first=%d: %v, want ErrShape", first, err)
		}
		if _, err := b.Gradient(&ws, &bst, x, y, sh, first, g); !errors.Is(err, ErrShape) {
			t.Errorf("Binary.Gradient first=%d: %v, want ErrShape", first, err)
		}
	}
	if _, err := m.Value(&ws, nil); !errors.Is(err, ErrOption) {
		t.Errorf("Multiclass.Value(nil): %v", err)
	}
	if _, err := b.Value(&ws, nil); !errors.Is(err, ErrOption) {
		t.Errorf("Binary.Value(nil): %v", err)
	}
	if err := st.Merge(nil); err == nil {
		t.Error("Merge(nil): no error")
	}
	var nilStats *Stats
	if err := nilStats.Merge(&st); err == nil {
		t.Error("nil.Merge: no error")
	}
	for _, nc := range [][2]int{{-1, 3}, {1 << 31, 1 << 31}, {1 << 40, 1}, {3, 0}, {MaxStatsEntries + 1, 1}} {
		var s Stats
		if err := s.Reset(nc[0], nc[1]); !errors.Is(err, ErrShape) {
			t.Errorf("Reset(%d, %d): %v, want ErrShape", nc[0], nc[1], err)
		}
	}
	hand := Stats{N: 1 << 62, C: 4, Data: make([]float64, 4)}
	if _, err := m.Value(&ws, &hand); !errors.Is(err, ErrShape) {
		t.Errorf("hand-built Stats of 2^62 images: %v, want ErrShape", err)
	}
	if err := hand.Merge(&hand); !errors.Is(err, ErrShape) {
		t.Errorf("Merge of a hand-built Stats: %v, want ErrShape", err)
	}
	small := Stats{N: 1, C: 3, Data: make([]float64, 3)}
	if _, err := m.Gradient(&ws, &small, x, U8(lab), sh, 0, g); !errors.Is(err, ErrShape) {
		t.Errorf("Gradient with Stats too short: %v, want ErrShape", err)
	}
}

// Constructors and ignore indices that cannot mean what they say are
// errors at the call.
func TestShapeAndIgnoreHostile(t *testing.T) {
	var ws Workspace
	m := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{}}}}
	for _, sh := range []Shape{NewShape(1, 2, -2, -3), NewShape(1, 2, 3, 0x5555555555555556), NewShape(1, 2, 0, 5), NewShape(1, 2, 1<<40, 1<<40)} {
		if _, err := m.Forward(&ws, make([]float32, 12), U8(make([]uint8, 6)), sh); !errors.Is(err, ErrShape) {
			t.Errorf("%+v: %v, want ErrShape", sh, err)
		}
	}
	if sh := NewShape(2, 3, 4, 5); sh != (Shape{2, 3, 20}) {
		t.Errorf("NewShape(2, 3, 4, 5) = %+v", sh)
	}
	if sh := NewShape(2, 3); sh != (Shape{2, 3, 1}) {
		t.Errorf("NewShape(2, 3) = %+v", sh)
	}
	sh := Shape{N: 1, C: 4, S: 8}
	x := make([]float32, sh.Len())
	for _, c := range []struct {
		ign IgnoreIndex
		l   Labels
	}{
		{Ignore(1<<32 + 3), I32(make([]int32, 8))},
		{Ignore(1<<32 + 3), U8(make([]uint8, 8))},
		{Ignore(-100), U8(make([]uint8, 8))},
		{Ignore(256), U8(make([]uint8, 8))},
	} {
		m.Ignore = c.ign
		if _, err := m.Forward(&ws, x, c.l, sh); !errors.Is(err, ErrOption) {
			t.Errorf("ignore %v: %v, want ErrOption", c.ign, err)
		}
	}
	m.Ignore = Ignore(-100)
	if _, err := m.Forward(&ws, x, I32(make([]int32, 8)), sh); err != nil {
		t.Errorf("ignore -100 with int32 labels: %v", err)
	}
	if v, _ := Ignore(1<<32 + 3).Label(); v != 1<<32+3 {
		t.Errorf("Label() = %d", v)
	}
}

// An output sharing memory with an input is ErrOption, at any offset,
// exactly equal included.
func TestAliasing(t *testing.T) {
	var ws Workspace
	sh := Shape{N: 2, C: 3, S: 4000}
	r := rand.New(rand.NewPCG(14, 1))
	buf := make([]float32, 3*sh.Len())
	base := sh.Len()
	copy(buf[base:], randLogits(r, sh.Len(), 2))
	logits := buf[base : base+sh.Len()]
	lab := make([]uint8, sh.N*sh.S)
	for i := range lab {
		lab[i] = uint8(r.IntN(sh.C))
	}
	targets := make([]float32, sh.Len())
	ms := []*Multiclass{
		{Terms: []Weighted{{1, &CrossEntropy{}}}},
		CombinedLoss(0.5, 0.5),
	}
	b := &Binary{Terms: []Weighted{{1, &BCE{}}, {1, Dice()}}}
	for _, off := range []int{0, 1, -1, 16, sh.S, -sh.S, sh.Len() - 1, 1 - sh.Len()} {
		g := buf[base+off : base+off+sh.Len()]
		for _, m := range ms {
			if _, err := m.Backward(&ws, logits, U8(lab), sh, g); !errors.Is(err, ErrOption) {
				t.Errorf("gradient at offset %d of the logits: %v, want ErrOption", off, err)
			}
		}
		if _, err := b.Backward(&ws, logits, targets, sh, g); !errors.Is(err, ErrOption) {
			t.Errorf("Binary gradient at offset %d of the logits: %v, want ErrOption", off, err)
		}
		if _, err := b.Backward(&ws, targets, logits, sh, g); !errors.Is(err, ErrOption) {
			t.Errorf("Binary gradient at offset %d of the targets: %v, want ErrOption", off, err)
		}
	}
	out := buf[base+5 : base+5+sh.N*sh.S]
	if err := ms[0].Pixelwise(&ws, logits, U8(lab), sh, out); !errors.Is(err, ErrOption) {
		t.Errorf("Pixelwise out inside the logits: %v, want ErrOption", err)
	}
	// Adjacent, not overlapping: fine.
	if _, err := ms[1].Backward(&ws, logits, U8(lab), sh, buf[base+sh.Len():]); err != nil {
		t.Errorf("gradient right after the logits: %v", err)
	}
	if _, err := ms[1].Backward(&ws, logits, U8(lab), sh, buf[:sh.Len()]); err != nil {
		t.Errorf("gradient right before the logits: %v", err)
	}
}

// Weights of any finite scale are computed right or rejected, never a
// silent NaN or Inf.
func TestWeightScale(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	sh := Shape{N: 1, C: 3, S: 500}
	x := randLogits(r, sh.Len(), 2)
	lab := make([]uint8, sh.S)
	for i := range lab {
		lab[i] = uint8(r.IntN(sh.C))
	}
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		g, g1 := make([]float32, sh.Len()), make([]float32, sh.Len())
		for _, red := range []Reduction{Mean, Sum, PixelMean} {
			for _, eps := range []float64{0, 0.1} {
				base := []float32{1, 2, 0.5}
				ref := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{Weight: base, LabelSmoothing: eps, Reduction: red}}}}
				want, err := ref.Backward(&ws, x, U8(lab), sh, g1)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []float32{1.5e38, 1e-30, 0x1p-149 * 4} {
					w := []float32{base[0] * k, base[1] * k, base[2] * k}
					if k < 1e-40 {
						w = []float32{0x1p-149 * 2, 0x1p-149 * 4, 0x1p-149}
					}
					m := &Multiclass{Terms: []Weighted{{1, &CrossEntropy{Weight: w, LabelSmoothing: eps, Reduction: red}}}}
					v, err := m.Backward(&ws, x, U8(lab), sh, g)
					scale := float64(w[1]) / 2
					if red == Mean {
						scale = 1
					}
					if red == Sum && k > 1 {
						// The value is right; the gradient (3e38 per
						// unit of p) does not fit float32: ErrRange.
						if !errors.Is(err, ErrRange) || !closeRel(v, want*scale, 1e-6, 0) {
							t.Fatalf("%v eps=%v weights %v: %v, %v, want %v and ErrRange", red, eps, w, v, err, want*scale)
						}
						continue
					}
					if err != nil || !finite(v, g) || !closeRel(v, want*scale, 1e-6, 0) {
						t.Fatalf("%v eps=%v weights %v: %v, %v, want %v", red, eps, w, v, err, want*scale)
					}
					if red == Mean {
						for i := range g {
							if !closeRel(float64(g[i]), float64(g1[i]), 1e-5, 1e-7) {
								t.Fatalf("%v eps=%v weights %v: gradient[%d] = %v, want %v", red, eps, w, i, g[i], g1[i])
							}
						}
					}
				}
			}
		}
	})
	var ws Workspace
	bad := []struct {
		m   *Multiclass
		err error
	}{
		{&Multiclass{Terms: []Weighted{{1e308, &CrossEntropy{}}}}, ErrWeight},
		{&Multiclass{Terms: []Weighted{{1, &CrossEntropy{Weight: []float32{1, 1e-45, 1}}}}}, ErrWeight},
		{&Multiclass{Terms: []Weighted{{1, Tversky(1e308, 1e308)}}}, ErrOption},
		{&Multiclass{Terms: []Weighted{{1, &Region{SmoothDen: math.Inf(1)}}}}, ErrOption},
		{&Multiclass{Terms: []Weighted{{1, &Focal{Gamma: 2, Alpha: []float32{3e38, 1, 1}}}}}, ErrWeight},
	}
	for _, c := range bad {
		if _, err := c.m.Forward(&ws, x, U8(lab), sh); !errors.Is(err, c.err) {
			t.Errorf("%+v: %v, want %v", c.m.Terms[0], err, c.err)
		}
	}
	b := &Binary{Terms: []Weighted{{1, &BCE{PosWeight: []float32{3e38, 1, 1}}}}}
	if _, err := b.Forward(&ws, x, make([]float32, len(x)), sh); !errors.Is(err, ErrWeight) {
		t.Errorf("PosWeight 3e38: %v, want ErrWeight", err)
	}
}

// A gradient that cannot be represented in float32 (a scale or region
// coefficient beyond float32) is ErrRange with the value, and every
// gradient element 0 (Multiclass, whose first pass may store the
// probabilities in grad) or none written (Binary), instead of Inf times 0
// = NaN in the kernels.
func TestGradRange(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 1))
	sh := Shape{N: 1, C: 3, S: 300}
	x := randLogits(r, sh.Len(), 2)
	lab := make([]uint8, sh.S)
	y := make([]float32, sh.Len())
	for i := range lab {
		lab[i] = uint8(1 + r.IntN(2)) // class 0 absent: I = 0 for it
	}
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		g := make([]float32, sh.Len())
		for _, c := range []struct {
			name string
			m    *Multiclass
		}{
			{"CE weight 3e38, Sum, term weight 2", &Multiclass{Terms: []Weighted{{2, &CrossEntropy{Weight: []float32{3e38, 3e38, 3e38}, Reduction: Sum}}}}},
			{"-log Dice, no smoothing, an absent class", &Multiclass{Terms: []Weighted{{1, &Region{Kind: DiceRatio, Log: true, SmoothDen: 1}}}}},
		} {
			want, err := c.m.Forward(&ws, x, U8(lab), sh)
			if err != nil {
				t.Fatal(err)
			}
			for i := range g {
				g[i] = 7
			}
			v, err := c.m.Backward(&ws, x, U8(lab), sh, g)
			if !errors.Is(err, ErrRange) || v != want && !(math.IsNaN(v) && math.IsNaN(want)) {
				t.Fatalf("%s: Backward %v, %v; want Forward's %v and ErrRange", c.name, v, err, want)
			}
			if i := slices.IndexFunc(g, func(v float32) bool { return v != 0 }); i >= 0 {
				t.Fatalf("%s: grad[%d] = %v, want 0 everywhere", c.name, i, g[i])
			}
		}
		b := &Binary{Terms: []Weighted{{1, &Region{Kind: IoURatio, Log: true}}}}
		for i := range g {
			g[i] = 7
		}
		if v, err := b.Backward(&ws, x, y, sh, g); !errors.Is(err, ErrRange) || !math.IsInf(v, 1) {
			t.Fatalf("Binary -log IoU, no smoothing, targets 0: %v, %v, want +Inf and ErrRange", v, err)
		}
		if slices.ContainsFunc(g, func(v float32) bool { return v != 7 }) {
			t.Fatal("Binary -log IoU: the gradient was written")
		}
	})
}

// With Squared, sum p^2 - sum p*y may be negative: the IoU and Tversky
// denominators use it as it is (FuzzLoss found a clamp at 0 there).
func TestSquaredRegionFormula(t *testing.T) {
	var ws Workspace
	b := &Binary{Terms: []Weighted{{1, &Region{Kind: IoURatio, SmoothNum: 1e-6, SmoothDen: 1e-6, Squared: true}}}}
	// p = 1/2, y = 1/4: I = 1/8, P = 1/4, Y = 1/16.
	want := 1 - (0.125+1e-6)/(0.25+0.0625-0.125+1e-6)
	if v, err := b.Forward(&ws, []float32{0}, []float32{0.25}, Shape{1, 1, 1}); err != nil || !closeRel(v, want, 1e-9, 0) {
		t.Fatalf("squared IoU: %v, %v, want %v", v, err, want)
	}
	m := &Multiclass{Terms: []Weighted{{1, &Region{Kind: TverskyRatio, Alpha: 0.3, Beta: 0.7, SmoothNum: 1e-6, SmoothDen: 1e-6, Squared: true}}}}
	// p = (1/2, 1/2), label 0: class 0: I = 1/2, P = 1/4, Y = 1; class 1: I = 0, P = 1/4, Y = 0.
	e0 := 1 - (0.5+1e-6)/(0.5+0.3*(0.25-0.5)+0.7*(1-0.5)+1e-6)
	e1 := 1 - (0+1e-6)/(0+0.3*0.25+0+1e-6)
	if v, err := m.Forward(&ws, []float32{0, 0}, U8([]uint8{0}), Shape{1, 2, 1}); err != nil || !closeRel(v, (e0+e1)/2, 1e-6, 0) {
		t.Fatalf("squared Tversky: %v, %v, want %v", v, err, (e0+e1)/2)
	}
}
