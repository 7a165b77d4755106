package loss

import (
	"math"
	"testing"
)

// FuzzWeights holds the weighted calls to two properties on fuzzed shapes
// (small, pooled, parallel), labels, masks and losses, on the active tier:
//
//   - mask = ignore (Multiclass): a 0/1 weight map with WeightMean
//     pixelwise terms and region terms gives the loss of the unweighted
//     call whose masked pixels carry the ignore index, within rounding,
//     and a zero gradient at the masked pixels, bit for bit;
//   - doubling (both kinds): weights times 2 give, bit for bit, twice the
//     value and gradient of a loss of Mean / Sum terms, and the same value
//     and gradient for WeightMean terms and unsmoothed region terms (every
//     sum scales by a power of two, which rounding commutes with);
//   - probabilities (Binary): region terms (and their SoftLabel form) of
//     p = sigmoid(x) given with NoActivation equal those of the logits
//     within rounding, gradients by the chain rule.
//
// Each property is checked at 1 and 2 workers, which must agree bit for
// bit. The inputs come from the bytes: logits in [-16, 16], labels, the
// mask, weights in {0, 0.5, 1, 3.25}.
func FuzzWeights(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{7, 3, 200, 9, 1, 1, 1, 1, 255, 0, 13, 77, 42})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) { fwRun(t, data) })
}

type fwIn struct {
	b []byte
	i int
}

func (f *fwIn) next() byte {
	if len(f.b) == 0 {
		return 0
	}
	v := f.b[f.i%len(f.b)] ^ byte(f.i/len(f.b)*0x9d)
	f.i++
	return v
}

func fwRun(t *testing.T, data []byte) {
	in := &fwIn{b: data}
	N := 1 + int(in.next()%4)
	C := 1 + int(in.next()%5)
	var S int
	switch b := in.next(); {
	case b < 96:
		S = 1 + int(in.next()%8) // pooled
	case b < 192:
		S = 64 + int(in.next())
	case b < 240:
		S = 1000 + int(in.next())*3
	default:
		S = 2*chunkPixels + int(in.next()) // parallel (one case in 16)
	}
	sh := Shape{N, C, S}
	x := make([]float32, sh.Len())
	for i := range x {
		x[i] = float32(int(in.next())-128) / 8
	}
	kind := in.next()
	if kind%2 == 0 {
		fwMulticlass(t, in, sh, x, kind)
	} else {
		fwBinary(t, in, sh, x, kind)
	}
}

// fwSame runs a loss call at 1 and 2 workers and returns its value and
// gradient, failing when they differ.
func fwSame(t *testing.T, what string, setWorkers func(int), call func(g []float32) (float64, error), n int) (float64, []float32) {
	t.Helper()
	var v0 float64
	var g0 []float32
	for _, w := range []int{1, 2} {
		setWorkers(w)
		g := make([]float32, n)
		v, err := call(g)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if g0 == nil {
			v0, g0 = v, g
			continue
		}
		if math.Float64bits(v) != math.Float64bits(v0) {
			t.Fatalf("%s: 2 workers give %v, 1 gives %v", what, v, v0)
		}
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(g0[i]) {
				t.Fatalf("%s: grad %d: 2 workers %v, 1 worker %v", what, i, g[i], g0[i])
			}
		}
	}
	return v0, g0
}

func fwMulticlass(t *testing.T, in *fwIn, sh Shape, x []float32, kind byte) {
	N, C, S := sh.N, sh.C, sh.S
	lab := make([]uint8, N*S)
	mask := make([]float32, N*S)
	masked := make([]uint8, N*S)
	w := make([]float32, N*S)
	for i := range lab {
		b := in.next()
		lab[i] = b % uint8(C)
		if b&0x80 != 0 {
			mask[i] = 1
			masked[i] = lab[i]
		} else {
			masked[i] = 255
		}
		w[i] = []float32{0, 0.5, 1, 3.25}[in.next()%4]
	}
	cw := make([]float32, C)
	for c := range cw {
		cw[c] = 0.5 + float32(in.next()%4)
	}
	region := &Region{Kind: RegionKind(int(kind/2) % 3), Alpha: 0.3, Beta: 0.7, PerImage: kind&0x40 != 0, Squared: kind&0x20 != 0}
	// mask = ignore
	mk := func(red Reduction) *Multiclass {
		return &Multiclass{Ignore: Ignore(255), Terms: []Weighted{
			{0.5, &CrossEntropy{Weight: cw, LabelSmoothing: float64(kind%3) / 10, Reduction: red}},
			{0.25, &Focal{Gamma: 2, Reduction: red}},
			{0.25, region},
		}}
	}
	var ws Workspace
	defer ws.Close()
	mw, mi := mk(WeightMean), mk(Mean)
	vw, gw := fwSame(t, "masked", func(k int) { mw.Workers = k }, func(g []float32) (float64, error) {
		return mw.BackwardWeighted(&ws, x, U8(lab), mask, sh, g)
	}, sh.Len())
	vi, gi := fwSame(t, "ignored", func(k int) { mi.Workers = k }, func(g []float32) (float64, error) {
		return mi.Backward(&ws, x, U8(masked), sh, g)
	}, sh.Len())
	if !closeRel(vw, vi, 1e-5, 1e-9) {
		t.Fatalf("%v: mask %v, ignore %v", sh, vw, vi)
	}
	scale := 0.0
	for _, g := range gi {
		scale = max(scale, math.Abs(float64(g)))
	}
	for i := range gw {
		n, k, p := i/(C*S), (i/S)%C, i%S
		_ = k
		if mask[n*S+p] == 0 && gw[i] != 0 {
			t.Fatalf("%v: grad %d = %v at a masked pixel", sh, i, gw[i])
		}
		if !closeRel(float64(gw[i]), float64(gi[i]), 0, 1e-5*scale+1e-12) {
			t.Fatalf("%v: grad %d = %v with the mask, %v with ignore", sh, i, gw[i], gi[i])
		}
	}
	// doubling
	w2 := make([]float32, len(w))
	for i, v := range w {
		w2[i] = 2 * v
	}
	for _, tc := range []struct {
		m      *Multiclass
		factor float64
	}{
		{&Multiclass{Terms: []Weighted{{1, &CrossEntropy{Weight: cw}}, {0.5, &Focal{Gamma: 1.5, Reduction: Sum}}}}, 2},
		{&Multiclass{Terms: []Weighted{{1, &CrossEntropy{Reduction: WeightMean}}, {1, &Focal{Gamma: 2, Reduction: WeightMean}}, {1, region}}}, 1},
	} {
		m := tc.m
		v1, g1 := fwSame(t, "weights", func(k int) { m.Workers = k }, func(g []float32) (float64, error) {
			return m.BackwardWeighted(&ws, x, U8(lab), w, sh, g)
		}, sh.Len())
		v2, g2 := fwSame(t, "weights x2", func(k int) { m.Workers = k }, func(g []float32) (float64, error) {
			return m.BackwardWeighted(&ws, x, U8(lab), w2, sh, g)
		}, sh.Len())
		fwDoubled(t, sh, tc.factor, v1, v2, g1, g2)
	}
}

func fwDoubled(t *testing.T, sh Shape, factor, v1, v2 float64, g1, g2 []float32) {
	t.Helper()
	if math.Float64bits(v2) != math.Float64bits(factor*v1) {
		t.Fatalf("%v: weights x2 give %v, want %v x %v", sh, v2, factor, v1)
	}
	for i := range g1 {
		if math.Float32bits(g2[i]) != math.Float32bits(float32(factor)*g1[i]) {
			t.Fatalf("%v: grad %d = %v with weights x2, want %v x %v", sh, i, g2[i], factor, g1[i])
		}
	}
}

func fwBinary(t *testing.T, in *fwIn, sh Shape, x []float32, kind byte) {
	y := make([]float32, sh.Len())
	w := make([]float32, sh.Len())
	w2 := make([]float32, sh.Len())
	for i := range y {
		b := in.next()
		y[i] = []float32{0, 1, 0.25, 1}[b%4]
		w[i] = []float32{0, 0.5, 1, 3.25}[(b>>2)%4]
		w2[i] = 2 * w[i]
	}
	pw := make([]float32, sh.C)
	for c := range pw {
		pw[c] = 0.5 + float32(in.next()%3)
	}
	region := &Region{Kind: RegionKind(int(kind/2) % 3), Alpha: 0.6, Beta: 0.4, PerImage: kind&0x40 != 0, Squared: kind&0x20 != 0}
	var ws Workspace
	defer ws.Close()
	for _, tc := range []struct {
		b      *Binary
		factor float64
	}{
		{&Binary{Terms: []Weighted{{1, &BCE{PosWeight: pw}}, {0.5, &SigmoidFocal{Alpha: 0.25, Gamma: 2, Reduction: Sum}}}}, 2},
		{&Binary{Terms: []Weighted{{1, &BCE{Reduction: WeightMean}}, {1, &SigmoidFocal{Alpha: -1, Gamma: 1, Reduction: WeightMean}}, {1, region}}}, 1},
	} {
		b := tc.b
		v1, g1 := fwSame(t, "weights", func(k int) { b.Workers = k }, func(g []float32) (float64, error) {
			return b.BackwardWeighted(&ws, x, y, w, sh, g)
		}, sh.Len())
		v2, g2 := fwSame(t, "weights x2", func(k int) { b.Workers = k }, func(g []float32) (float64, error) {
			return b.BackwardWeighted(&ws, x, y, w2, sh, g)
		}, sh.Len())
		fwDoubled(t, sh, tc.factor, v1, v2, g1, g2)
		for i := range g1 {
			if w[i] == 0 && g1[i] != 0 {
				t.Fatalf("%v: grad %d = %v at weight 0", sh, i, g1[i])
			}
		}
	}
	// probabilities: the region terms (and the soft-label form) of p =
	// sigmoid(x) given as probabilities equal those of the logits, and the
	// gradient d/dp times p(1-p) is d/dx, within rounding. The logits are
	// clamped to [-6, 6]: beyond, a float32 p keeps too few digits of 1-p,
	// on which the region terms' derivatives depend (the logits path
	// computes 1-p from exp(-|x|): input rounding, not a kernel's error).
	xc := make([]float32, len(x))
	p := make([]float32, len(x))
	for i, v := range x {
		xc[i] = max(-6, min(6, v))
		p[i] = float32(1 / (1 + math.Exp(-float64(xc[i]))))
	}
	soft := *region
	soft.SoftLabel = kind&0x10 != 0 && !soft.Squared
	terms := []Weighted{{1, &soft}}
	bl := &Binary{Terms: terms}
	bp := &Binary{Terms: terms, Activation: NoActivation}
	vl, gl := fwSame(t, "logits", func(k int) { bl.Workers = k }, func(g []float32) (float64, error) {
		return bl.BackwardWeighted(&ws, xc, y, w, sh, g)
	}, sh.Len())
	vp, gp := fwSame(t, "probabilities", func(k int) { bp.Workers = k }, func(g []float32) (float64, error) {
		return bp.BackwardWeighted(&ws, p, y, w, sh, g)
	}, sh.Len())
	// A region loss is 1 - r, r a ratio of float32 sums whose inputs differ
	// by up to 2 ULP between the two paths (the kernel's sigmoid against p
	// rounded from float64): r moves by several float32 epsilons (6e-8),
	// so 1 - r by up to some 1e-6 absolute, whatever its size (an IoU of
	// squared sums at 6e-6: 4.2e-7 apart, testdata/fuzz seed 2265acf3).
	if !closeRel(vp, vl, 1e-5, 1e-6) {
		t.Fatalf("%v %+v: probabilities give %v, logits %v", sh, soft, vp, vl)
	}
	if vl < 1e-3 {
		// Every entry near its minimum: each gradient element is then a
		// difference of nearly equal terms of order 1/den (r's derivatives),
		// and the few-ULP input differences above move it by some 1e-4 of
		// its own size (seed 2265acf3: 1.3e-4 at a loss of 6e-6), beyond a
		// tolerance relative to the largest element.
		return
	}
	scale := 0.0
	for _, g := range gl {
		scale = max(scale, math.Abs(float64(g)))
	}
	for i := range gl {
		// p(1-p) from x in float64: from the rounded p, 1-p loses its
		// digits where p is near 1
		v := float64(xc[i])
		pq := 1 / (1 + math.Exp(-v)) / (1 + math.Exp(v))
		if d := float64(gp[i]) * pq; !closeRel(d, float64(gl[i]), 0, 1e-4*scale+1e-12) {
			t.Fatalf("%v %+v: element %d: d/dp*p(1-p) = %v, d/dx = %v", sh, soft, i, d, gl[i])
		}
	}
}
