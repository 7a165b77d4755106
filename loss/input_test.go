package loss

import (
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestBadInput(t *testing.T) {
	sh := Shape{2, 3, 10}
	x := make([]float32, sh.Len())
	lab := make([]uint8, sh.N*sh.S)
	lab32 := make([]int32, sh.N*sh.S)
	g := make([]float32, sh.Len())
	y := make([]float32, sh.Len())
	ok := CombinedLoss(0.5, 0.5)
	nan := float32(math.NaN())
	mc := func(ts ...Term) *Multiclass {
		m := &Multiclass{}
		for _, t := range ts {
			m.Terms = append(m.Terms, Weighted{1, t})
		}
		return m
	}
	bn := func(ts ...Term) *Binary {
		b := &Binary{}
		for _, t := range ts {
			b.Terms = append(b.Terms, Weighted{1, t})
		}
		return b
	}
	badLab := append([]uint8(nil), lab...)
	badLab[7] = 3
	negLab := append([]int32(nil), lab32...)
	negLab[3] = -1
	badY := append([]float32(nil), y...)
	badY[5] = 1.5
	nanY := append([]float32(nil), y...)
	nanY[2] = nan
	negY := append([]float32(nil), y...)
	negY[7] = -1e-30
	infY := append([]float32(nil), y...)
	infY[59] = float32(math.Inf(1))
	var ws Workspace
	for _, tc := range []struct {
		name string
		want error
		call func() error
	}{
		{"N=0", ErrShape, func() error { _, err := ok.Forward(&ws, nil, U8(nil), Shape{0, 3, 10}); return err }},
		{"C=0", ErrShape, func() error { _, err := ok.Forward(&ws, nil, U8(nil), Shape{2, 0, 10}); return err }},
		{"S<0", ErrShape, func() error { _, err := ok.Forward(&ws, x, U8(lab), Shape{2, 3, -1}); return err }},
		{"overflow", ErrShape, func() error { _, err := ok.Forward(&ws, x, U8(lab), Shape{1 << 40, 1 << 20, 1 << 20}); return err }},
		{"short logits", ErrLength, func() error { _, err := ok.Forward(&ws, x[1:], U8(lab), sh); return err }},
		{"short labels", ErrLength, func() error { _, err := ok.Forward(&ws, x, U8(lab[1:]), sh); return err }},
		{"no labels", ErrLength, func() error { _, err := ok.Forward(&ws, x, Labels{}, sh); return err }},
		{"short grad", ErrLength, func() error { _, err := ok.Backward(&ws, x, U8(lab), sh, g[1:]); return err }},
		{"nil grad", ErrLength, func() error { _, err := ok.Backward(&ws, x, U8(lab), sh, nil); return err }},
		{"label >= C", ErrLabel, func() error { _, err := ok.Forward(&ws, x, U8(badLab), sh); return err }},
		{"negative label", ErrLabel, func() error { _, err := ok.Forward(&ws, x, I32(negLab), sh); return err }},
		{"ignore other label", ErrLabel, func() error {
			m := CombinedLoss(1, 1)
			m.Ignore = Ignore(255)
			_, err := m.Forward(&ws, x, U8(badLab), sh)
			return err
		}},
		{"no terms", ErrOption, func() error { _, err := (&Multiclass{}).Forward(&ws, x, U8(lab), sh); return err }},
		{"nil workspace", ErrOption, func() error { _, err := ok.Forward(nil, x, U8(lab), sh); return err }},
		{"nil term", ErrOption, func() error { _, err := mc(nil).Forward(&ws, x, U8(lab), sh); return err }},
		{"BCE in Multiclass", ErrOption, func() error { _, err := mc(&BCE{}).Forward(&ws, x, U8(lab), sh); return err }},
		{"two CE", ErrOption, func() error { _, err := mc(&CrossEntropy{}, CrossEntropy{}).Forward(&ws, x, U8(lab), sh); return err }},
		{"two focal", ErrOption, func() error { _, err := mc(&Focal{}, &Focal{}).Forward(&ws, x, U8(lab), sh); return err }},
		{"negative term weight", ErrWeight, func() error {
			_, err := (&Multiclass{Terms: []Weighted{{-1, &CrossEntropy{}}}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"NaN term weight", ErrWeight, func() error {
			_, err := (&Multiclass{Terms: []Weighted{{math.NaN(), &CrossEntropy{}}}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"CE weight length", ErrLength, func() error {
			_, err := mc(&CrossEntropy{Weight: []float32{1, 2}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"CE negative weight", ErrWeight, func() error {
			_, err := mc(&CrossEntropy{Weight: []float32{1, -2, 1}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"CE NaN weight", ErrWeight, func() error {
			_, err := mc(&CrossEntropy{Weight: []float32{1, nan, 1}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"CE Inf weight", ErrWeight, func() error {
			_, err := mc(&CrossEntropy{Weight: []float32{1, float32(math.Inf(1)), 1}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"smoothing > 1", ErrOption, func() error {
			_, err := mc(&CrossEntropy{LabelSmoothing: 1.5}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"bad reduction", ErrOption, func() error {
			_, err := mc(&CrossEntropy{Reduction: 9}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"focal gamma < 0", ErrOption, func() error { _, err := mc(&Focal{Gamma: -1}).Forward(&ws, x, U8(lab), sh); return err }},
		{"focal gamma NaN", ErrOption, func() error { _, err := mc(&Focal{Gamma: math.NaN()}).Forward(&ws, x, U8(lab), sh); return err }},
		{"focal alpha negative", ErrWeight, func() error {
			_, err := mc(&Focal{Alpha: []float32{1, 1, -1}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"focal pixelmean", ErrOption, func() error { _, err := mc(&Focal{Reduction: PixelMean}).Forward(&ws, x, U8(lab), sh); return err }},
		{"tversky alpha < 0", ErrOption, func() error { _, err := mc(Tversky(-0.1, 0.5)).Forward(&ws, x, U8(lab), sh); return err }},
		{"tversky beta NaN", ErrOption, func() error { _, err := mc(Tversky(0.5, math.NaN())).Forward(&ws, x, U8(lab), sh); return err }},
		{"focal tversky gamma < 0", ErrOption, func() error { _, err := mc(FocalTversky(0.3, 0.7, -2)).Forward(&ws, x, U8(lab), sh); return err }},
		{"negative smoothing", ErrOption, func() error {
			r := Dice()
			r.SmoothDen = -1
			_, err := mc(r).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"region kind", ErrOption, func() error { _, err := mc(&Region{Kind: 7}).Forward(&ws, x, U8(lab), sh); return err }},
		{"empty policy", ErrOption, func() error { _, err := mc(&Region{Empty: 7}).Forward(&ws, x, U8(lab), sh); return err }},
		{"region weight", ErrWeight, func() error {
			_, err := mc(&Region{Weight: []float32{1, nan, 1}}).Forward(&ws, x, U8(lab), sh)
			return err
		}},
		{"exclude background C=1", ErrOption, func() error {
			_, err := bn(&Region{ExcludeBackground: true}).Forward(&ws, x[:20], y[:20], Shape{2, 1, 10})
			return err
		}},
		{"pixelwise with region", ErrOption, func() error { return ok.Pixelwise(&ws, x, U8(lab), sh, make([]float32, 20)) }},
		{"pixelwise out length", ErrLength, func() error { return mc(&CrossEntropy{}).Pixelwise(&ws, x, U8(lab), sh, make([]float32, 19)) }},
		{"binary targets length", ErrLength, func() error { _, err := bn(&BCE{}).Forward(&ws, x, y[1:], sh); return err }},
		{"binary target > 1", ErrLabel, func() error { _, err := bn(&BCE{}).Forward(&ws, x, badY, sh); return err }},
		{"binary target NaN", ErrLabel, func() error { _, err := bn(Dice()).Forward(&ws, x, nanY, sh); return err }},
		{"binary target < 0", ErrLabel, func() error { _, err := bn(Dice()).Forward(&ws, x, negY, sh); return err }},
		{"binary target +Inf", ErrLabel, func() error { _, err := bn(Dice()).Forward(&ws, x, infY, sh); return err }},
		{"CE in Binary", ErrOption, func() error { _, err := bn(&CrossEntropy{}).Forward(&ws, x, y, sh); return err }},
		{"two BCE", ErrOption, func() error { _, err := bn(&BCE{}, BCE{}).Forward(&ws, x, y, sh); return err }},
		{"pos weight length", ErrLength, func() error { _, err := bn(&BCE{PosWeight: []float32{1}}).Forward(&ws, x, y, sh); return err }},
		{"sigmoid focal alpha > 1", ErrOption, func() error { _, err := bn(&SigmoidFocal{Alpha: 2}).Forward(&ws, x, y, sh); return err }},
		{"sigmoid focal alpha NaN", ErrOption, func() error {
			_, err := bn(&SigmoidFocal{Alpha: math.NaN()}).Forward(&ws, x, y, sh)
			return err
		}},
		{"binary grad length", ErrLength, func() error { _, err := bn(&BCE{}).Backward(&ws, x, y, sh, g[2:]); return err }},
		{"binary no terms", ErrOption, func() error { _, err := (&Binary{}).Forward(&ws, x, y, sh); return err }},
		{"class weights C", ErrShape, func() error { return ClassWeights(U8(lab), 0, IgnoreIndex{}, nil) }},
		{"class weights dst", ErrLength, func() error { return ClassWeights(U8(lab), 3, IgnoreIndex{}, make([]float32, 2)) }},
		{"class weights label", ErrLabel, func() error { return ClassWeights(U8(badLab), 3, IgnoreIndex{}, make([]float32, 3)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				err = tc.call()
			}()
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
}

// TestTargetsInRange checks the fast target scan's edges: 0, -0 and 1 are
// targets, the floats just outside [0, 1] are not, wherever they stand.
func TestTargetsInRange(t *testing.T) {
	for _, v := range []float32{0, float32(math.Copysign(0, -1)), 1, 0.5, math.SmallestNonzeroFloat32} {
		for _, n := range []int{1, 5, 8, 13} {
			y := make([]float32, n)
			y[n-1] = v
			if err := checkTargets(y); err != nil {
				t.Errorf("target %v (n=%d): %v", v, n, err)
			}
		}
	}
	for _, v := range []float32{math.Nextafter32(1, 2), -math.SmallestNonzeroFloat32, -1, float32(math.NaN()), float32(math.Inf(-1))} {
		for _, n := range []int{1, 5, 8, 13} {
			for at := 0; at < n; at++ {
				y := make([]float32, n)
				y[at] = v
				if err := checkTargets(y); !errors.Is(err, ErrLabel) {
					t.Errorf("target %v at %d of %d: error %v, want ErrLabel", v, at, n, err)
				}
			}
		}
	}
}

func checksum[T any](s []T) uint32 {
	if len(s) == 0 {
		return 0
	}
	return crc32.ChecksumIEEE(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0]))))
}

// TestInputsUnchanged checks, by checksums, that no call writes to its
// inputs (logits, labels, targets, class weights).
func TestInputsUnchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sh := Shape{2, 4, 333}
	x := randLogits(r, sh.Len(), 3)
	lab := make([]int32, sh.N*sh.S)
	for i := range lab {
		lab[i] = int32(r.IntN(sh.C))
	}
	y := make([]float32, sh.Len())
	for i := range y {
		y[i] = float32(r.IntN(2))
	}
	sums := func() [3]uint32 { return [3]uint32{checksum(x), checksum(lab), checksum(y)} }
	before := sums()
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		g := make([]float32, sh.Len())
		out := make([]float32, sh.Len())
		for name, m := range mcCases(sh.C) {
			w := m.Terms[0].Term
			var wsum uint32
			if ce, ok := w.(*CrossEntropy); ok {
				wsum = checksum(ce.Weight)
			}
			if _, err := m.Backward(&ws, x, I32(lab), sh, g); err != nil {
				t.Fatal(name, err)
			}
			m.Pixelwise(&ws, x, I32(lab), sh, out[:sh.N*sh.S])
			if ce, ok := w.(*CrossEntropy); ok && checksum(ce.Weight) != wsum {
				t.Errorf("%s: class weights changed", name)
			}
		}
		for name, b := range bnCases(sh.C) {
			if _, err := b.Backward(&ws, x, y, sh, g); err != nil {
				t.Fatal(name, err)
			}
			b.Pixelwise(&ws, x, y, sh, out)
		}
		if sums() != before {
			t.Fatal("an input changed")
		}
	})
}

func TestZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	runs := allocRuns()
	// The first shape stays on the caller's goroutine, the second runs on
	// two workers.
	for _, sh := range []Shape{{2, 5, 3000}, {2, 3, 2*chunkPixels + 5}} {
		x := randLogits(r, sh.Len(), 2)
		lab := make([]uint8, sh.N*sh.S)
		for i := range lab {
			lab[i] = uint8(r.IntN(sh.C))
		}
		y := make([]float32, sh.Len())
		g := make([]float32, sh.Len())
		each := eachTier
		if sh.S > chunkPixels {
			each = eachTierLong
		}
		each(t, func(t *testing.T) {
			var ws Workspace
			defer ws.Close()
			for name, m := range mcCases(sh.C) {
				m.Workers = 2
				m.Backward(&ws, x, U8(lab), sh, g) // grow the workspace
				if a := testing.AllocsPerRun(runs, func() { m.Backward(&ws, x, U8(lab), sh, g) }); a != 0 {
					t.Errorf("%v %s Backward: %v allocs/op", sh, name, a)
				}
				if a := testing.AllocsPerRun(runs, func() { m.Forward(&ws, x, U8(lab), sh) }); a != 0 {
					t.Errorf("%v %s Forward: %v allocs/op", sh, name, a)
				}
			}
			for name, b := range bnCases(sh.C) {
				b.Workers = 2
				b.Backward(&ws, x, y, sh, g)
				if a := testing.AllocsPerRun(runs, func() { b.Backward(&ws, x, y, sh, g) }); a != 0 {
					t.Errorf("%v binary %s Backward: %v allocs/op", sh, name, a)
				}
			}
		})
	}
}

// allocRuns is the runs of testing.AllocsPerRun in the zero-allocation
// tests: 5, or 2 under -short (race, arm64 under emulation, where these
// tests took 77 s and 22 s). Not 1: AllocsPerRun truncates the mean, and a
// call on two workers now and then allocates once inside the runtime, not
// in segloss: traced with MemProfileRate 1 over 300 calls of each Binary
// case on {2 3 32773} (4 calls allocated), the allocations were the
// sudog (112 B) that sync.WaitGroup.Wait takes when it blocks and the
// runtime's per-P sudog cache is empty (it is emptied at each GC), and
// the runtime starting an OS thread (newm) when it wakes a worker.
func allocRuns() int {
	if testing.Short() {
		return 2
	}
	return 5
}

func TestClassWeights(t *testing.T) {
	lab := []uint8{0, 0, 0, 0, 0, 0, 1, 1, 255, 255, 0, 0}
	w := make([]float32, 3)
	if err := ClassWeights(U8(lab), 3, Ignore(255), w); err != nil {
		t.Fatal(err)
	}
	// 10 valid labels: 8 of class 0, 2 of class 1, none of class 2.
	want := []float32{10.0 / (3 * 8), 10.0 / (3 * 2), 0}
	for c := range w {
		if math.Abs(float64(w[c]-want[c])) > 1e-7 {
			t.Errorf("w[%d] = %v, want %v", c, w[c], want[c])
		}
	}
}

func TestSchedules(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		t, T int
		want float64
	}{
		{Linear{}, 0, 10, 1}, {Linear{}, 5, 10, 0.5}, {Linear{}, 10, 10, 0}, {Linear{}, 15, 10, 0},
		{Cosine{}, 0, 10, 1}, {Cosine{}, 5, 10, 0.5}, {Cosine{}, 10, 10, 0}, {Cosine{}, 20, 10, 0},
		{Step{Steps: 4}, 0, 100, 1}, {Step{Steps: 4}, 24, 100, 1}, {Step{Steps: 4}, 25, 100, 0.75},
		{Step{Steps: 4}, 99, 100, 0.25}, {Step{Steps: 4}, 100, 100, 0}, {Linear{}, 3, 0, 0},
	} {
		if got := tc.s.Lambda(tc.t, tc.T); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%T%+v.Lambda(%d, %d) = %v, want %v", tc.s, tc.s, tc.t, tc.T, got, tc.want)
		}
	}
}
