package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// softmaxCase is one configuration of the softmax kernels under test.
type softmaxCase struct {
	name   string
	need   Flags
	weight bool
	smooth float32
	alpha  bool
	gamma  float32
	region bool // gradient: A, B, E
	ce     bool // gradient: CEScale
	focal  bool // gradient: FocalScale
	pixw   bool // per-pixel weights (the image's w)
}

var softmaxCases = []softmaxCase{
	{name: "ce", need: NeedCE, ce: true},
	{name: "ce_w", need: NeedCE, weight: true, ce: true},
	{name: "ce_ls", need: NeedCE, smooth: 0.1, ce: true},
	{name: "ce_w_ls", need: NeedCE, weight: true, smooth: 0.2, ce: true},
	{name: "dice", need: NeedRegion, region: true},
	{name: "dice_sq", need: NeedRegion | NeedSquared, region: true},
	{name: "ce_dice", need: NeedCE | NeedRegion, ce: true, region: true},
	{name: "focal2", need: NeedFocal, alpha: true, gamma: 2, focal: true},
	{name: "focal0", need: NeedFocal, gamma: 0, focal: true},
	{name: "focal1", need: NeedFocal, gamma: 1, focal: true},
	{name: "focal15", need: NeedFocal, alpha: true, gamma: 1.5, focal: true},
	{name: "focal05", need: NeedFocal, gamma: 0.5, focal: true},
	{name: "all", need: NeedCE | NeedFocal | NeedRegion | NeedSquared, weight: true, smooth: 0.05, alpha: true, gamma: 2, ce: true, focal: true, region: true},
	// per-pixel weights
	{name: "ce_pw", need: NeedCE, ce: true, pixw: true},
	{name: "ce_ls_pw", need: NeedCE, smooth: 0.1, ce: true, pixw: true},
	{name: "ce_w_ls_pw", need: NeedCE, weight: true, smooth: 0.2, ce: true, pixw: true},
	{name: "dice_sq_pw", need: NeedRegion | NeedSquared, region: true, pixw: true},
	{name: "ce_dice_pw", need: NeedCE | NeedRegion, ce: true, region: true, pixw: true},
	{name: "focal2_pw", need: NeedFocal, alpha: true, gamma: 2, focal: true, pixw: true},
	{name: "focal15_pw", need: NeedFocal, gamma: 1.5, focal: true, pixw: true},
	{name: "all_pw", need: NeedCE | NeedFocal | NeedRegion | NeedSquared, weight: true, smooth: 0.05, alpha: true, gamma: 2, ce: true, focal: true, region: true, pixw: true},
}

func (sc softmaxCase) params(r *rand.Rand, C int, ign int32, useIgn bool) (SoftmaxParams, SoftmaxCoef) {
	p := SoftmaxParams{C: C, Need: sc.need, UseIgnore: useIgn, Ignore: ign, Smoothing: sc.smooth, Gamma: sc.gamma}
	c := SoftmaxCoef{C: C, UseIgnore: useIgn, Ignore: ign, Smoothing: sc.smooth, Gamma: sc.gamma}
	if sc.weight {
		p.CEWeight = make([]float32, C)
		for i := range p.CEWeight {
			p.CEWeight[i] = 0.2 + 2*r.Float32()
		}
		c.CEWeight = p.CEWeight
	}
	if sc.alpha {
		p.Alpha = make([]float32, C)
		for i := range p.Alpha {
			p.Alpha[i] = r.Float32()
		}
		c.Alpha = p.Alpha
	}
	if sc.ce {
		c.CEScale = 1e-3
	}
	if sc.focal {
		c.FocalScale = 7e-4
	}
	if sc.region {
		c.A, c.B, c.E = make([]float32, C), make([]float32, C), make([]float32, C)
		for i := 0; i < C; i++ {
			c.A[i], c.B[i], c.E[i] = -0.01*r.Float32(), 0.004*r.Float32(), 0.003*(r.Float32()-0.5)
		}
	}
	return p, c
}

func coefScale(c *SoftmaxCoef) float64 {
	s := math.Abs(float64(c.CEScale))*4 + math.Abs(float64(c.FocalScale))*4
	for i := range c.A {
		s += math.Abs(float64(c.A[i])) + math.Abs(float64(c.B[i])) + math.Abs(float64(c.E[i]))
	}
	return s
}

// softmaxImage is one image with guarded buffers.
type softmaxImage[L Label] struct {
	C, S, lo, hi int
	x            *guarded[float32]
	lab          *guarded[L]
	w            *guarded[float32] // per-pixel weights: 0, 1 and others; NaN at ignored pixels (never read)
}

func newSoftmaxImage[L Label](r *rand.Rand, C, S, lo, hi, off int, ign int32, useIgn bool, special bool) softmaxImage[L] {
	im := softmaxImage[L]{C: C, S: S, lo: lo, hi: hi}
	im.x = newF32(C*S, off)
	copy(im.x.s, randLogits(r, C*S, 3, special))
	var g L
	g = L(0x5a)
	im.lab = newGuarded(S, (off*3)%16, g)
	im.w = newF32(S, (off*7+1)%16)
	for i := range im.lab.s {
		im.lab.s[i] = L(r.IntN(C))
		switch r.IntN(4) {
		case 0:
			im.w.s[i] = 0
		case 1:
			im.w.s[i] = 1
		default:
			im.w.s[i] = 5 * r.Float32()
		}
		if useIgn && r.IntN(5) == 0 {
			im.lab.s[i] = L(ign)
			im.w.s[i] = float32(math.NaN())
		}
	}
	return im
}

func newSums(C int) SoftmaxSums[float32] {
	return SoftmaxSums[float32]{P: make([]float32, C), PY: make([]float32, C), Count: make([]float32, C), PP: make([]float32, C)}
}

func checkSoftmax[L Label](t *testing.T, tr *tier, sc softmaxCase, im softmaxImage[L], p SoftmaxParams, c SoftmaxCoef) {
	t.Helper()
	C, S, lo, hi := im.C, im.S, im.lo, im.hi
	where := fmt.Sprintf("%s %s C=%d S=%d [%d,%d) ignore=%v/%d", tr.name, sc.name, C, S, lo, hi, p.UseIgnore, p.Ignore)
	scr := newF32(ScratchLen(C), 5)
	p.Scratch, c.Scratch = scr.s, scr.s
	if sc.pixw {
		p.PixelWeight, c.PixelWeight = im.w.s, im.w.s
		defer im.w.check(t, where+" weights")
	}
	got, want := newSums(C), newSums(C)
	var stats func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32])
	var grad func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32)
	var fused func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32)
	switch any(im.lab.s).(type) {
	case []uint8:
		stats = any(tr.softmaxStatsU8).(func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]))
		grad = any(tr.softmaxGradU8).(func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32))
		fused = any(tr.softmaxFusedU8).(func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32))
	default:
		stats = any(tr.softmaxStatsI32).(func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]))
		grad = any(tr.softmaxGradI32).(func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32))
		fused = any(tr.softmaxFusedI32).(func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32))
	}
	stats(im.x.s, S, lo, hi, im.lab.s, &p, &got)
	gs := make([]float32, 2*C)
	pg := p
	pg.Scratch = gs
	softmaxStatsGeneric(im.x.s, S, lo, hi, im.lab.s, &pg, &want)
	im.x.check(t, where+" x")
	im.lab.check(t, where+" labels")
	scr.check(t, where+" scratch")
	n := hi - lo
	for k := 0; k < C; k++ {
		for i, pair := range [][2]float32{{got.P[k], want.P[k]}, {got.PY[k], want.PY[k]}, {got.Count[k], want.Count[k]}, {got.PP[k], want.PP[k]}} {
			if !sumClose(pair[0], pair[1], n*max(C, 4)) {
				t.Fatalf("%s: stats class %d sum %d (P, PY, Count, PP) = %v, generic %v", where, k, i, pair[0], pair[1])
			}
		}
	}
	for i, pair := range [][2]float32{{got.CE, want.CE}, {got.W, want.W}, {got.Focal, want.Focal}, {got.Valid, want.Valid}} {
		if !sumClose(pair[0], pair[1], n*max(C, 4)) {
			t.Fatalf("%s: stats sum %d (CE, W, Focal, Valid) = %v, generic %v", where, i, pair[0], pair[1])
		}
	}
	// Gradient: pixels outside [lo, hi) keep their sentinel.
	dst := newF32(C*S, (S+3)%16)
	ref := make([]float32, C*S)
	for i := range dst.s {
		dst.s[i], ref[i] = -7, -7
	}
	grad(im.x.s, S, lo, hi, im.lab.s, &c, dst.s)
	cg := c
	cg.Scratch = make([]float32, 2*C)
	softmaxGradGeneric(im.x.s, S, lo, hi, im.lab.s, &cg, ref)
	dst.check(t, where+" dst")
	im.x.check(t, where+" x")
	scale := max(maxAbs(ref), coefFloor*coefScale(&c))
	for i := range ref {
		if !close32(dst.s[i], ref[i], gradTol, scale) {
			k, px := i/S, i%S
			t.Fatalf("%s: grad class %d pixel %d (label %v) = %v, generic %v", where, k, px, im.lab.s[px], dst.s[i], ref[i])
		}
	}
	if testing.Short() && S%4 != 1 {
		// -short (race, arm64 under emulation): the probabilities' path on
		// a quarter of the shapes; the full run takes them all
	} else if tr.slowProbs && p.Need&NeedRegion != 0 {
		// The tier leaves the probabilities' path to the generic code,
		// which sums by sub-blocks in this Scratch: the generic results
		// with it are the reference.
		base, bdst := newSums(C), make([]float32, C*S)
		copy(bdst, dst.s)
		softmaxStatsGeneric(im.x.s, S, lo, hi, im.lab.s, &p, &base)
		softmaxGradGeneric(im.x.s, S, lo, hi, im.lab.s, &c, bdst)
		checkSoftmaxProbs(t, where, stats, grad, sc, im, p, c, &base, bdst)
	} else {
		checkSoftmaxProbs(t, where, stats, grad, sc, im, p, c, &got, dst.s)
	}
	// The fused pass: the statistics kernel's pixelwise sums and the
	// gradient kernel's gradient, bit for bit.
	fdst := newF32(C*S, (S+5)%16)
	for i := range fdst.s {
		fdst.s[i] = -7
	}
	fs := newSums(C)
	fused(im.x.s, S, lo, hi, im.lab.s, &p, &c, &fs, fdst.s)
	fdst.check(t, where+" fused dst")
	im.x.check(t, where+" x")
	im.lab.check(t, where+" labels")
	scr.check(t, where+" scratch")
	for i, pair := range [][2]float32{{fs.CE, got.CE}, {fs.W, got.W}, {fs.Focal, got.Focal}, {fs.Valid, got.Valid}} {
		if !sameBits(pair[0], pair[1]) {
			t.Fatalf("%s: fused sum %d (CE, W, Focal, Valid) = %v, statistics kernel %v", where, i, pair[0], pair[1])
		}
	}
	for i := range fdst.s {
		if !sameBits(fdst.s[i], dst.s[i]) {
			t.Fatalf("%s: fused grad class %d pixel %d = %v, gradient kernel %v", where, i/S, i%S, fdst.s[i], dst.s[i])
		}
	}
}

// checkSoftmaxProbs checks the probabilities' path of a tier: its
// statistics pass with SoftmaxParams.Probs gives got's sums bit for bit (the
// tier's own, or the generic ones where slowProbs) and
// stores p_c (0 for a skipped pixel, nothing outside [lo, hi) or without
// region terms), within the generic tier's tolerance of the generic p_c;
// its gradient pass with SoftmaxCoef.FromProbs on them, in place, gives the
// gradient of the logits (dst, from the same code) bit for bit.
func checkSoftmaxProbs[L Label](t *testing.T, where string,
	stats func(x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]),
	grad func(x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32),
	sc softmaxCase, im softmaxImage[L], p SoftmaxParams, c SoftmaxCoef, got *SoftmaxSums[float32], dst []float32) {
	t.Helper()
	C, S, lo, hi := im.C, im.S, im.lo, im.hi
	pr := newF32(C*S, (S+1)%16)
	ref := make([]float32, C*S)
	for i := range pr.s {
		pr.s[i], ref[i] = -7, -7
	}
	pp := p
	pp.Probs = pr.s
	ps := newSums(C)
	stats(im.x.s, S, lo, hi, im.lab.s, &pp, &ps)
	pr.check(t, where+" probs")
	pg := pp
	pg.Probs, pg.Scratch = ref, make([]float32, 2*C)
	softmaxStatsGeneric(im.x.s, S, lo, hi, im.lab.s, &pg, &SoftmaxSums[float32]{P: make([]float32, C), PY: make([]float32, C), Count: make([]float32, C), PP: make([]float32, C)})
	for k := 0; k < C; k++ {
		for i, pair := range [][2]float32{{ps.P[k], got.P[k]}, {ps.PY[k], got.PY[k]}, {ps.Count[k], got.Count[k]}, {ps.PP[k], got.PP[k]}} {
			if !sameBits(pair[0], pair[1]) {
				t.Fatalf("%s: stats with Probs class %d sum %d = %v, without %v", where, k, i, pair[0], pair[1])
			}
		}
	}
	for i, pair := range [][2]float32{{ps.CE, got.CE}, {ps.W, got.W}, {ps.Focal, got.Focal}, {ps.Valid, got.Valid}} {
		if !sameBits(pair[0], pair[1]) {
			t.Fatalf("%s: stats with Probs sum %d = %v, without %v", where, i, pair[0], pair[1])
		}
	}
	region := p.Need&NeedRegion != 0
	for i := range pr.s {
		px := i % S
		y := int32(im.lab.s[px])
		var want float32
		switch {
		case px < lo || px >= hi || !region:
			want = -7
		case skipLabel(y, C, p.Ignore, p.UseIgnore):
			want = 0
		default:
			if !close32(pr.s[i], ref[i], gradTol, 1) {
				t.Fatalf("%s: probs class %d pixel %d = %v, generic %v", where, i/S, px, pr.s[i], ref[i])
			}
			continue
		}
		if !sameBits(pr.s[i], want) {
			t.Fatalf("%s: probs class %d pixel %d (label %d) = %v, want %v", where, i/S, px, y, pr.s[i], want)
		}
	}
	if !region || c.FocalScale != 0 {
		return // the loss recomputes the softmax there
	}
	in := newF32(C*S, (S+2)%16)
	copy(in.s, pr.s)
	cp := c
	cp.FromProbs = true
	grad(in.s, S, lo, hi, im.lab.s, &cp, in.s)
	in.check(t, where+" FromProbs")
	for i := range in.s {
		if !sameBits(in.s[i], dst[i]) {
			t.Fatalf("%s: FromProbs grad class %d pixel %d = %v, from the logits %v", where, i/S, i%S, in.s[i], dst[i])
		}
	}
}

// sameBits reports whether a and b are the same float32, NaNs of any
// payload being the same.
func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

func softmaxShapes() [][4]int { // C, S, lo, hi
	var sh [][4]int
	for _, C := range []int{1, 2, 3, 4, 5, 8, 21} { // 2 to 8: the small-C fused kernels
		for _, S := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100} {
			sh = append(sh, [4]int{C, S, 0, S})
			if S > 4 {
				sh = append(sh, [4]int{C, S, 1, S - 2})
			}
		}
		sh = append(sh, [4]int{C, 3000, 1000, 1000 + BlockSize}, [4]int{C, 2*BlockSize + 5, BlockSize, 2*BlockSize + 5})
	}
	return sh
}

func testSoftmax[L Label](t *testing.T, tr *tier, ign int32) {
	r := rand.New(rand.NewPCG(21, uint64(ign)))
	for _, sc := range softmaxCases {
		for i, sh := range softmaxShapes() {
			for _, useIgn := range []bool{false, true} {
				im := newSoftmaxImage[L](r, sh[0], sh[1], sh[2], sh[3], i%16, ign, useIgn, false)
				p, c := sc.params(r, sh[0], ign, useIgn)
				checkSoftmax(t, tr, sc, im, p, c)
			}
		}
	}
}

// Under -short (race, arm64 under emulation, where each took 44 s) the
// uint8 test ignores a label outside the classes and the int32 one a
// class's label: one of each kind, not both for both.
func TestSoftmaxTiersU8(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		testSoftmax[uint8](t, tr, 255)
		if !testing.Short() {
			testSoftmax[uint8](t, tr, 0)
		}
	})
}

func TestSoftmaxTiersI32(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		if !testing.Short() {
			testSoftmax[int32](t, tr, -100)
		}
		testSoftmax[int32](t, tr, 1)
	})
}

// TestSoftmaxSpecial: special logits mixed in, all-equal logits, huge
// logits, every pixel ignored.
func TestSoftmaxSpecial(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(22, 23))
		for _, sc := range softmaxCases {
			for _, C := range []int{1, 2, 5, 21} {
				S := 37
				im := newSoftmaxImage[uint8](r, C, S, 0, S, 3, 255, true, true)
				p, c := sc.params(r, C, 255, true)
				checkSoftmax(t, tr, sc, im, p, c)
				for _, v := range []float32{0, 88, -88, 1e4, -1e4, 30} {
					for i := range im.x.s {
						im.x.s[i] = v
						if v == 30 && i%3 == 0 {
							im.x.s[i] = -30
						}
					}
					checkSoftmax(t, tr, sc, im, p, c)
				}
				// Nearly perfect predictions: every sum is 1 + ~1e-5, the
				// CE a sum of tiny logs (the product mode's product stays
				// near 1 and keeps its relative accuracy).
				for i := range im.x.s {
					im.x.s[i] = 0
				}
				for i, y := range im.lab.s {
					if int(y) < C {
						im.x.s[int(y)*S+i] = 12 + float32(i%5)
					}
				}
				checkSoftmax(t, tr, sc, im, p, c)
				for i := range im.lab.s {
					im.lab.s[i] = 255
				}
				checkSoftmax(t, tr, sc, im, p, c)
			}
		}
	})
}

func TestGuardPagesSoftmax(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(24, 25))
		for _, sc := range softmaxCases {
			for _, C := range []int{1, 3, 5} {
				for S := 1; S <= 35; S++ {
					x := guardF32(t, randLogits(r, C*S, 3, false))
					l8 := make([]uint8, S)
					l32 := make([]int32, S)
					for i := range l8 {
						l8[i] = uint8(r.IntN(C))
						l32[i] = int32(l8[i])
					}
					lab8, lab32 := guardU8(t, l8), guardI32(t, l32)
					p, c := sc.params(r, C, 255, true)
					p.Scratch = make([]float32, ScratchLen(C))
					c.Scratch = p.Scratch
					if sc.pixw {
						w := make([]float32, S)
						for i := range w {
							w[i] = r.Float32()
						}
						p.PixelWeight = guardF32(t, w)
						c.PixelWeight = p.PixelWeight
					}
					s := newSums(C)
					tr.softmaxStatsU8(x, S, 0, S, lab8, &p, &s)
					tr.softmaxStatsI32(x, S, 0, S, lab32, &p, &s)
					dst := guardF32(t, make([]float32, C*S))
					tr.softmaxGradU8(x, S, 0, S, lab8, &c, dst)
					tr.softmaxGradI32(x, S, 0, S, lab32, &c, dst)
					tr.softmaxFusedU8(x, S, 0, S, lab8, &p, &c, &s, dst)
					tr.softmaxFusedI32(x, S, 0, S, lab32, &p, &c, &s, dst)
				}
			}
		}
	})
}

func fuzzSoftmax(f *testing.F, i32 bool) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), uint8(0))
	f.Add(make([]byte, 200), uint8(5), uint8(7))
	f.Fuzz(func(t *testing.T, b []byte, cb, opt uint8) {
		C := 1 + int(cb)%8
		x := floatsOf(b)
		S := len(x) / C
		if S == 0 {
			return
		}
		x = x[:C*S]
		sc := softmaxCases[int(opt)%len(softmaxCases)]
		r := rand.New(rand.NewPCG(uint64(len(b)), uint64(opt)))
		for _, tr := range asmTiers() {
			if i32 {
				im := newSoftmaxImage[int32](r, C, S, 0, S, int(opt)%16, -100, opt&1 != 0, false)
				copy(im.x.s, x)
				p, c := sc.params(r, C, -100, opt&1 != 0)
				checkSoftmax(t, tr, sc, im, p, c)
			} else {
				im := newSoftmaxImage[uint8](r, C, S, 0, S, int(opt)%16, 255, opt&1 != 0, false)
				copy(im.x.s, x)
				p, c := sc.params(r, C, 255, opt&1 != 0)
				checkSoftmax(t, tr, sc, im, p, c)
			}
		}
	})
}

func FuzzSoftmaxU8(f *testing.F)  { fuzzSoftmax(f, false) }
func FuzzSoftmaxI32(f *testing.F) { fuzzSoftmax(f, true) }
