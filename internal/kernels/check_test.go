package kernels

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// forAllTiers runs f for every tier this CPU runs, generic included, with
// that tier active.
func forAllTiers(t *testing.T, f func(t *testing.T, tr *tier)) {
	t.Helper()
	prev := Active()
	defer Use(prev)
	for _, tr := range tiers {
		t.Run(tr.name, func(t *testing.T) {
			if err := Use(tr.name); err != nil {
				t.Fatal(err)
			}
			f(t, tr)
		})
	}
}

// noPanic runs f and fails the test if it panics.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	f()
}

func wantErrArg(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrArg) {
		t.Fatalf("%s: error %v, want ErrArg", what, err)
	}
}

// TestFinding7GradRange is the exact case of issue finding 7:
// SoftmaxGradRange(x[:120], S=40, lo=0, hi=72, ..., dst[:120]) (C = 3)
// overwrote 32 floats past dst[:C*S] on avx512/avx2 and panicked on the
// generic tier; lo = -16 wrote before dst. Every tier now returns ErrArg
// and writes nothing.
func TestFinding7GradRange(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		const C, S = 3, 40
		r := rand.New(rand.NewPCG(71, 72))
		// x[:120] of a longer array of finite logits, as in the finding:
		// a kernel that reads past x[:C*S] computes finite values and
		// stores them.
		xa := randLogits(r, 400, 3, false)
		x := xa[:C*S]
		lab := make([]uint8, S+32)
		for _, sc := range softmaxCases {
			_, c := sc.params(r, C, 255, true)
			c.Scratch = make([]float32, ScratchLen(C))
			for _, rg := range [][2]int{{0, 72}, {-16, 24}, {-16, 72}, {41, 40}, {39, 41}} {
				// dst = buf[100:220], the rest of buf a sentinel: a write
				// outside dst[:C*S] (or into it) shows.
				buf := make([]float32, 400)
				for i := range buf {
					buf[i] = -9
				}
				dst := buf[100 : 100+C*S]
				where := fmt.Sprintf("%s [%d, %d)", sc.name, rg[0], rg[1])
				var err error
				noPanic(t, where, func() {
					err = SoftmaxGradRange(x, S, rg[0], rg[1], lab, &c, dst)
				})
				wantErrArg(t, where, err)
				for i, v := range buf {
					if v != -9 {
						t.Fatalf("%s: buf[%d] (dst = buf[100:220]) = %v written", where, i, v)
					}
				}
				var blk SoftmaxSums[float32]
				var out SoftmaxSums[float64]
				p := SoftmaxParams{C: C, Need: NeedCE, Scratch: c.Scratch}
				noPanic(t, where+" fused", func() {
					err = SoftmaxFusedRange(x, S, rg[0], rg[1], lab, &p, &c, &blk, &out, dst)
				})
				wantErrArg(t, where+" fused", err)
				for i, v := range buf {
					if v != -9 {
						t.Fatalf("%s fused: buf[%d] (dst = buf[100:220]) = %v written", where, i, v)
					}
				}
			}
		}
	})
}

// wildLabels replaces about a fifth of the labels by values outside [0, C)
// that are not ign, and returns a copy in which they are ign instead.
func wildLabels[L Label](r *rand.Rand, lab []L, C int, ign int32) []L {
	var wild []int64
	var zero L
	switch any(zero).(type) {
	case uint8:
		for v := C; v < 256; v++ {
			wild = append(wild, int64(v))
		}
	default:
		wild = []int64{-1, -2, -100, -1 << 31, int64(C), int64(C) + 1, 200, 1<<31 - 1}
	}
	asIgn := make([]L, len(lab))
	for i := range lab {
		asIgn[i] = lab[i]
		if r.IntN(5) == 0 {
			for {
				v := wild[r.IntN(len(wild))]
				if v != int64(ign) {
					lab[i] = L(v)
					break
				}
			}
			asIgn[i] = L(ign)
		}
	}
	return asIgn
}

// TestWildLabels: a label outside [0, C) that is not the ignored one is
// skipped like an ignored pixel on every tier (finding 7: SoftmaxBlock was
// silently wrong on the assembly tiers and panicked on generic; Confusion
// counted fp[argmax]).
func TestWildLabels(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(73, 74))
		for _, sc := range softmaxCases {
			for _, C := range []int{1, 2, 3, 5, 21} {
				for _, S := range []int{1, 7, 16, 33, 100} {
					im := newSoftmaxImage[uint8](r, C, S, 0, S, 3, 255, true, false)
					ref := wildLabels(r, im.lab.s, C, 255)
					p, c := sc.params(r, C, 255, true)
					checkWild(t, tr, sc.name, im.x.s, S, im.lab.s, ref, p, c)
					im32 := newSoftmaxImage[int32](r, C, S, 0, S, 3, -7, true, false)
					ref32 := wildLabels(r, im32.lab.s, C, -7)
					checkWild(t, tr, sc.name, im32.x.s, S, im32.lab.s, ref32, p, c)
					// Without an ignore label the wild pixels are skipped
					// just the same: compare with a reference that ignores
					// them.
					pn, cn := p, c
					pn.UseIgnore, cn.UseIgnore = false, false
					got, want := runSoftmax(t, x32(im32.x.s), S, im32.lab.s, pn, cn), runSoftmax(t, x32(im32.x.s), S, ref32, p, c)
					if got != want {
						t.Fatalf("%s %s C=%d S=%d no ignore: %s, want %s", tr.name, sc.name, C, S, got, want)
					}
				}
			}
		}
	})
}

func x32(x []float32) []float32 { return x }

// checkWild compares the results on labels with wild values to those on
// ref, where they are the ignored label.
func checkWild[L Label](t *testing.T, tr *tier, name string, x []float32, S int, lab, ref []L, p SoftmaxParams, c SoftmaxCoef) {
	t.Helper()
	got, want := runSoftmax(t, x, S, lab, p, c), runSoftmax(t, x, S, ref, p, c)
	if got != want {
		t.Fatalf("%s %s C=%d S=%d: wild labels give\n%s\nwant (as ignored)\n%s", tr.name, name, p.C, S, got, want)
	}
}

// runSoftmax runs every softmax primitive and Confusion on one image and
// returns their results as text.
func runSoftmax[L Label](t *testing.T, x []float32, S int, lab []L, p SoftmaxParams, c SoftmaxCoef) string {
	t.Helper()
	C := p.C
	p.Scratch = make([]float32, ScratchLen(C))
	c.Scratch = p.Scratch
	var res string
	noPanic(t, "softmax primitives", func() {
		blk := newSums(C)
		out := SoftmaxSums[float64]{P: make([]float64, C), PY: make([]float64, C), Count: make([]float64, C), PP: make([]float64, C)}
		err := SoftmaxRange(x, S, 0, S, lab, &p, &blk, &out)
		dst := make([]float32, C*S)
		err2 := SoftmaxGradRange(x, S, 0, S, lab, &c, dst)
		fdst := make([]float32, C*S)
		var fout SoftmaxSums[float64]
		err3 := SoftmaxFusedRange(x, S, 0, S, lab, &p, &c, &blk, &fout, fdst)
		tp, fp, fn := make([]int64, C), make([]int64, C), make([]int64, C)
		err4 := Confusion(x, S, C, lab, p.Ignore, p.UseIgnore, tp, fp, fn)
		if err := errors.Join(err, err2, err3, err4); err != nil {
			t.Fatal(err)
		}
		res = fmt.Sprintf("sums %v\ngrad %v\nfused %v %v %v %v %v\nconfusion %v %v %v", out, dst, fout.CE, fout.W, fout.Focal, fout.Valid, fdst, tp, fp, fn)
	})
	return res
}

// TestFinding7Confusion is the exact case of finding 7: Confusion with
// labels 200 and C = 3 gave fp[0] = 40 on the assembly tiers (the generic
// tier panicked). Every tier now skips them.
func TestFinding7Confusion(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		const C, S = 3, 40
		x := make([]float32, C*S)
		lab8 := make([]uint8, S)
		lab32 := make([]int32, S)
		for i := range lab8 {
			lab8[i], lab32[i] = 200, 200
		}
		for _, useIgn := range []bool{false, true} {
			tp, fp, fn := make([]int64, C), make([]int64, C), make([]int64, C)
			var err error
			noPanic(t, "Confusion u8", func() { err = Confusion(x, S, C, lab8, 255, useIgn, tp, fp, fn) })
			if err != nil {
				t.Fatal(err)
			}
			noPanic(t, "Confusion i32", func() { err = Confusion(x, S, C, lab32, -100, useIgn, tp, fp, fn) })
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range [][]int64{tp, fp, fn} {
				for k, n := range v {
					if n != 0 {
						t.Fatalf("ignore %v: tp, fp, fn = %v %v %v, want zeros (count %d of class %d)", useIgn, tp, fp, fn, n, k)
					}
				}
			}
		}
	})
}

// TestFinding7SoftmaxBlock is the exact case of finding 7 for SoftmaxBlock:
// labels >= C (C = 3, label 200) were silently counted on the assembly
// tiers and panicked on generic. They are skipped: every sum is 0.
func TestFinding7SoftmaxBlock(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		const C, S = 3, 40
		r := rand.New(rand.NewPCG(75, 76))
		x := randLogits(r, C*S, 3, false)
		lab := make([]uint8, S)
		for i := range lab {
			lab[i] = 200
		}
		for _, sc := range softmaxCases {
			p, _ := sc.params(r, C, 255, false)
			p.Scratch = make([]float32, ScratchLen(C))
			s := newSums(C)
			var err error
			noPanic(t, sc.name, func() { err = SoftmaxBlock(x, S, 0, S, lab, &p, &s) })
			if err != nil {
				t.Fatal(err)
			}
			if s.CE != 0 || s.W != 0 || s.Focal != 0 || s.Valid != 0 {
				t.Fatalf("%s: CE, W, Focal, Valid = %v %v %v %v, want 0", sc.name, s.CE, s.W, s.Focal, s.Valid)
			}
			for k := 0; k < C; k++ {
				if s.P[k] != 0 || s.PY[k] != 0 || s.Count[k] != 0 || s.PP[k] != 0 {
					t.Fatalf("%s: class %d sums %v %v %v %v, want 0", sc.name, k, s.P[k], s.PY[k], s.Count[k], s.PP[k])
				}
			}
		}
	})
}

// TestBadArgs: every exported function returns ErrArg, without panicking
// and without writing, for each kind of bad argument, on every tier.
func TestBadArgs(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		const C, S = 3, 40
		x := make([]float32, C*S)
		lab := make([]uint8, S)
		lab32 := make([]int32, S)
		scr := make([]float32, ScratchLen(C))
		okP := func() SoftmaxParams { return SoftmaxParams{C: C, Need: NeedCE | NeedRegion, Scratch: scr} }
		okC := func() SoftmaxCoef { return SoftmaxCoef{C: C, CEScale: 1, Scratch: scr} }
		sums := func() SoftmaxSums[float32] { return newSums(C) }
		out64 := func() SoftmaxSums[float64] {
			return SoftmaxSums[float64]{P: make([]float64, C), PY: make([]float64, C), Count: make([]float64, C), PP: make([]float64, C)}
		}
		dst := make([]float32, C*S)
		big := 1 << 62
		cases := []struct {
			name string
			f    func() error
		}{
			{"Exp short x", func() error { return Exp(make([]float32, 64), make([]float32, 3)) }},
			{"Log short x", func() error { return Log(make([]float32, 4), make([]float32, 3)) }},
			{"Sigmoid short x", func() error { return Sigmoid(make([]float32, 4), nil) }},
			{"SigmoidBlock short y", func() error {
				var s SigmoidSums[float32]
				return SigmoidBlock(make([]float32, 5), make([]float32, 4), &SigmoidParams{}, &s)
			}},
			{"SigmoidBlock long x", func() error {
				var s SigmoidSums[float32]
				return SigmoidBlock(make([]float32, BlockSize+1), make([]float32, BlockSize+1), &SigmoidParams{}, &s)
			}},
			{"SigmoidBlock nil sums", func() error { return SigmoidBlock(nil, nil, &SigmoidParams{}, nil) }},
			{"SigmoidBlock flags", func() error {
				var s SigmoidSums[float32]
				return SigmoidBlock(x[:4], x[:4], &SigmoidParams{Need: 1 << 11}, &s)
			}},
			{"SigmoidPlane short y", func() error {
				var b SigmoidSums[float32]
				var o SigmoidSums[float64]
				return SigmoidPlane(x, x[:3], &SigmoidParams{}, &b, &o)
			}},
			{"SigmoidGrad short dst", func() error { _, err := SigmoidGrad(x, x, &SigmoidCoef{}, dst[:3]); return err }},
			{"SigmoidGrad nil coef", func() error { _, err := SigmoidGrad(x, x, nil, dst); return err }},
			{"SigmoidFused short y", func() error {
				var b SigmoidSums[float32]
				var o SigmoidSums[float64]
				return SigmoidFused(x, x[:1], &SigmoidParams{}, &SigmoidCoef{}, &b, &o, dst)
			}},
			{"SoftmaxBlock C=0", func() error { p := okP(); p.C = 0; s := sums(); return SoftmaxBlock(x, S, 0, S, lab, &p, &s) }},
			{"SoftmaxBlock C huge", func() error { p := okP(); p.C = big; s := sums(); return SoftmaxBlock(x, 0, 0, 0, lab, &p, &s) }},
			{"SoftmaxBlock S<0", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, -1, 0, 0, lab, &p, &s) }},
			{"SoftmaxBlock C*S overflows", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, big, 0, 1, lab, &p, &s) }},
			{"SoftmaxBlock short x", func() error { p := okP(); s := sums(); return SoftmaxBlock(x[:C*S-1], S, 0, S, lab, &p, &s) }},
			{"SoftmaxBlock hi>S", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, S, 0, S+1, lab, &p, &s) }},
			{"SoftmaxBlock lo<0", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, S, -1, 2, lab, &p, &s) }},
			{"SoftmaxBlock lo>hi", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, S, 3, 2, lab, &p, &s) }},
			{"SoftmaxBlock short labels", func() error { p := okP(); s := sums(); return SoftmaxBlock(x, S, 0, 1, lab[:S-1], &p, &s) }},
			{"SoftmaxBlock short sums", func() error { p := okP(); s := sums(); s.PP = s.PP[:C-1]; return SoftmaxBlock(x, S, 0, S, lab, &p, &s) }},
			{"SoftmaxBlock nil sums", func() error { p := okP(); return SoftmaxBlock(x, S, 0, S, lab, &p, nil) }},
			{"SoftmaxBlock nil params", func() error { s := sums(); return SoftmaxBlock(x, S, 0, S, lab, nil, &s) }},
			{"SoftmaxBlock weights", func() error {
				p := okP()
				p.CEWeight = make([]float32, C-1)
				s := sums()
				return SoftmaxBlock(x, S, 0, S, lab, &p, &s)
			}},
			{"SoftmaxBlock alpha", func() error {
				p := okP()
				p.Alpha = make([]float32, C+1)
				s := sums()
				return SoftmaxBlock(x, S, 0, S, lab, &p, &s)
			}},
			{"SoftmaxBlock scratch", func() error {
				p := okP()
				p.Scratch = scr[:2*C-1]
				s := sums()
				return SoftmaxBlock(x, S, 0, S, lab, &p, &s)
			}},
			{"SoftmaxBlock flags", func() error { p := okP(); p.Need |= 1 << 9; s := sums(); return SoftmaxBlock(x, S, 0, S, lab, &p, &s) }},
			{"SoftmaxBlock flags neon scratch", func() error { p := okP(); p.Need |= 1 << 11; s := sums(); return SoftmaxBlock(x, S, 0, S, lab, &p, &s) }},
			{"SoftmaxBlock too many pixels", func() error {
				p := okP()
				s := sums()
				xx := make([]float32, C*(BlockSize+1))
				return SoftmaxBlock(xx, BlockSize+1, 0, BlockSize+1, make([]uint8, BlockSize+1), &p, &s)
			}},
			{"SoftmaxRange short out", func() error {
				p := okP()
				b, o := sums(), out64()
				o.Count = nil
				return SoftmaxRange(x, S, 0, S, lab32, &p, &b, &o)
			}},
			{"SoftmaxImage short x", func() error {
				p := okP()
				b, o := sums(), out64()
				return SoftmaxImage(x[:5], S, lab32, &p, &b, &o)
			}},
			{"SoftmaxGrad short dst", func() error { c := okC(); return SoftmaxGrad(x, S, lab, &c, dst[:C*S-1]) }},
			{"SoftmaxGrad nil coef", func() error { return SoftmaxGrad(x, S, lab, nil, dst) }},
			{"SoftmaxGradRange region", func() error {
				c := okC()
				c.A, c.B = make([]float32, C), make([]float32, C)
				return SoftmaxGradRange(x, S, 0, S, lab, &c, dst)
			}},
			{"SoftmaxGradRange scratch", func() error { c := okC(); c.Scratch = nil; return SoftmaxGradRange(x, S, 0, S, lab32, &c, dst) }},
			{"SoftmaxFusedRange C mismatch", func() error {
				p, c := okP(), okC()
				p.C = 2
				var b SoftmaxSums[float32]
				var o SoftmaxSums[float64]
				return SoftmaxFusedRange(x, S, 0, S, lab, &p, &c, &b, &o, dst)
			}},
			{"SoftmaxFusedRange nil out", func() error {
				p, c := okP(), okC()
				var b SoftmaxSums[float32]
				return SoftmaxFusedRange(x, S, 0, S, lab, &p, &c, &b, nil, dst)
			}},
			{"Confusion short counts", func() error {
				return Confusion(x, S, C, lab, 255, true, make([]int64, C), make([]int64, C-1), make([]int64, C))
			}},
			{"Confusion C huge", func() error {
				return Confusion(x, 0, 1<<30, lab, 255, true, make([]int64, C), make([]int64, C), make([]int64, C))
			}},
			{"Confusion short labels", func() error {
				return Confusion(x, S, C, lab32[:1], 255, true, make([]int64, C), make([]int64, C), make([]int64, C))
			}},
			{"ConfusionBinary short y", func() error { var n BinaryCounts; return ConfusionBinary(x, x[:2], 0, &n) }},
			{"ConfusionBinary nil", func() error { return ConfusionBinary(x, x, 0, nil) }},
		}
		for _, c := range cases {
			for i := range dst {
				dst[i] = 7
			}
			var err error
			noPanic(t, c.name, func() { err = c.f() })
			wantErrArg(t, c.name, err)
			for i, v := range dst {
				if v != 7 {
					t.Fatalf("%s: dst[%d] written (%v) after an error", c.name, i, v)
				}
			}
		}
	})
}

// TestFusedBlockUnused: SoftmaxFusedRange neither needs nor touches the
// block buffer's per-class slices, on every tier.
func TestFusedBlockUnused(t *testing.T) {
	forAllTiers(t, func(t *testing.T, tr *tier) {
		const C, S = 4, 50
		r := rand.New(rand.NewPCG(77, 78))
		im := newSoftmaxImage[uint8](r, C, S, 0, S, 0, 255, true, false)
		p, c := softmaxCases[0].params(r, C, 255, true)
		p.Scratch = make([]float32, ScratchLen(C))
		c.Scratch = p.Scratch
		var b SoftmaxSums[float32]
		var o SoftmaxSums[float64]
		dst := make([]float32, C*S)
		var err error
		noPanic(t, "fused", func() { err = SoftmaxFusedRange(im.x.s, S, 0, S, im.lab.s, &p, &c, &b, &o, dst) })
		if err != nil {
			t.Fatal(err)
		}
		if o.Valid == 0 {
			t.Fatal("no valid pixel counted")
		}
	})
}

// TestSoftmaxFusedPixelWeightChecks: the fused softmax driver compares the
// params' and coefficients' weights without indexing them: an empty
// non-nil slice at S = 0 panicked (review finding); weights that differ, or
// one nil and one not, are ErrArg; the same slice runs.
func TestSoftmaxFusedPixelWeightChecks(t *testing.T) {
	const C = 2
	newPC := func(pw, cw []float32) (SoftmaxParams, SoftmaxCoef) {
		scr := make([]float32, ScratchLen(C))
		p := SoftmaxParams{C: C, Need: NeedCE, Scratch: scr, PixelWeight: pw}
		c := SoftmaxCoef{C: C, CEScale: 1, Scratch: scr, PixelWeight: cw}
		return p, c
	}
	var blk SoftmaxSums[float32]
	var out SoftmaxSums[float64]
	w := []float32{1, 2, 3}
	for _, tc := range []struct {
		name   string
		S      int
		pw, cw []float32
		ok     bool
	}{
		{"empty, S = 0", 0, []float32{}, []float32{}, true},
		{"nil and empty", 0, nil, []float32{}, false},
		{"same", 3, w, w, true},
		{"different slices", 3, w, []float32{1, 2, 3}, false},
		{"one nil", 3, w, nil, false},
	} {
		p, c := newPC(tc.pw, tc.cw)
		x, lab, dst := make([]float32, C*tc.S), make([]uint8, tc.S), make([]float32, C*tc.S)
		err := SoftmaxFusedRange(x, tc.S, 0, tc.S, lab, &p, &c, &blk, &out, dst)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrArg)) {
			t.Fatalf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
