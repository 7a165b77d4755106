package loss

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
)

// FuzzLoss decodes the fuzzer's bytes into a shape, labels or targets,
// logits (extreme values included) and a loss of random terms and options,
// then checks the public API: valid inputs against the float64 reference
// below, invalid ones for the error they must return (and nothing panics).
// `make test` runs it briefly, `make fuzz` longer.

// fzIn hands out the fuzzer's bytes: the first fzHead of them, one
// decision at a time (shape, terms, options; 0 once they run out), the rest
// as bulk data (logits, labels, targets), continued by a generator seeded by
// all of them. fzDecode takes the first bulk byte first, as the extension
// byte (ext).
type fzIn struct {
	head, b []byte
	rng     *rand.Rand
	e2      byte // fzExt2
}

const fzHead = 64

func newFzIn(data []byte) *fzIn {
	h := fnv.New64a()
	h.Write(data)
	s := h.Sum64()
	head, bulk := data, []byte(nil)
	if len(data) > fzHead {
		head, bulk = data[:fzHead], data[fzHead:]
	}
	return &fzIn{head: head, b: bulk, rng: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15)), e2: fzExt2(data)}
}

func (f *fzIn) byte() byte {
	if len(f.head) == 0 {
		return 0
	}
	v := f.head[0]
	f.head = f.head[1:]
	return v
}

// n returns a value in [0, k), k <= 256.
func (f *fzIn) n(k int) int { return int(f.byte()) % k }

// bulk returns a value in [0, k), k <= 256: from the bulk bytes while they
// last, then from the generator.
func (f *fzIn) bulk(k int) int {
	if len(f.b) > 0 {
		v := int(f.b[0]) % k
		f.b = f.b[1:]
		return v
	}
	return f.rng.IntN(k)
}

// ext returns the first bulk byte, 0 if there is none. fzDecode draws
// the kinds added after the corpus entries of fzHead bytes or fewer were
// made (GeneralizedDiceRatio, MCCRatio, SoftLabel, NoActivation) only when
// it is not 0, so that those entries decode as they did.
func (f *fzIn) ext() byte {
	if len(f.b) == 0 {
		return 0
	}
	v := f.b[0]
	f.b = f.b[1:]
	return v
}

func pick[T any](f *fzIn, xs []T) T { return xs[f.n(len(xs))] }

var (
	negZero = float32(math.Copysign(0, -1))
	// Logits: ordinary values, the edges of exp's range, huge and tiny
	// magnitudes, denormals and -0.
	fzLogitPalette = []float32{0, 1, -1, 0.5, -2.5, 3, 7, -7, 15, -15, 30, -30, 87.5, -87.5, 88, -88, 100, -104,
		1e4, -1e4, 1e30, -1e30, 1e-30, 0x1p-149, -0x1p-149, 1e-40, negZero, 0.1}
	fzTargetPalette = []float32{0, 1, 0.5, 0x1p-149, 0.99999994, negZero, 1e-30, 0.25}
	// Probabilities (NoActivation inputs): the ends of [0, 1] exactly,
	// denormals, -0, torch's 1e-12 and log clamp (e^-100 is 3.7e-44).
	fzProbPalette = []float32{0, 1, 1, 0, 0.5, 0x1p-149, 0.99999994, negZero, 1e-30, 0.25, 1e-7, 0.9, 1e-12, 0x1p-126, 3e-44, 0.01}
	// Term weights: 1e-200 and not smaller, since the library multiplies
	// a term weight by the largest class weight (1e-43 here) in float64
	// first, which underflows for 1e-300.
	fzTermWeights  = []float64{1, 1, 0.5, 0.25, 2, 0, 1e-3, 1e3, 1e-200, 0x1p64}
	fzGammas       = []float64{0, 2, 2, 0.5, 1, 3, 0.75, 5, 1.0 / 3, 50}
	fzBaseWeights  = []float32{0, 0.25, 0.5, 1, 2, 4}
	fzSmooth       = []float64{1e-6, 0, 1, 1e-3, 100, 1e-30}
	fzRatios       = []float64{0.3, 0.7, 0.5, 0, 1, 2, 1e-3}
	fzRegionGammas = []float64{0, 0, 1, 0.75, 2, 4.0 / 3, 0.5, 3}
)

// fzWeights returns C per-class weights: small multiples of a scale.
func fzWeights(f *fzIn, C int, scales []float32) []float32 {
	k := pick(f, scales)
	w := make([]float32, C)
	for c := range w {
		w[c] = pick(f, fzBaseWeights) * k
	}
	return w
}

// fzCase is one decoded input.
type fzCase struct {
	bin     bool
	sh      Shape
	x       []float32
	lab     Labels
	y       []float32
	m       *Multiclass
	b       *Binary
	workers int
	big     bool
	xmode   int // how the logits were drawn (fzLogits)

	// Set for an invalid input: the error every call must wrap (gradOnly:
	// only the calls that take a gradient buffer see the problem).
	want     error
	gradOnly bool
	what     string
	mutation int
	ext      bool      // the extension byte is not 0 (fzIn.ext)
	probs    bool      // Activation NoActivation: the inputs are probabilities
	nanIn    bool      // a valid input with a NaN probability (fzNaN)
	grad     []float32 // the gradient buffer (nil: a fresh one)
	nilGrad  bool      // Backward and Gradient get a nil buffer
	busy     bool      // the workspace is held by another call
	nilWS    bool
	orig     Shape // the shape before the mutation
	// The weighted calls' weights (ForwardWeighted, BackwardWeighted,
	// AccumulateWeighted, GradientWeighted; N*S for Multiclass, N*C*S for
	// Binary), nil for the unweighted ones.
	wts []float32
	// wtsOnly: the invalid input is in the weights, which the weighted
	// calls alone take (Pixelwise, Accumulate and Gradient are unweighted).
	wtsOnly bool
	// soft: a Multiclass with probability targets c.y (ForwardSoft,
	// BackwardSoft).
	soft bool
}

func (c *fzCase) String() string {
	s := fmt.Sprintf("binary=%v shape=%+v workers=%d", c.bin, c.sh, c.workers)
	if c.bin && c.b.Activation != FromLogits || !c.bin && c.m.Activation != FromLogits {
		s += fmt.Sprintf(" activation=%v", c.activation())
	}
	if c.nanIn {
		s += " (a NaN probability)"
	}
	if c.wts != nil {
		s += fmt.Sprintf(" weights=%v", c.wts)
	}
	if c.soft {
		s += fmt.Sprintf(" soft targets=%v", c.y)
	}
	if c.bin {
		s += fmt.Sprintf(" terms=%s", fzTerms(c.b.Terms))
	} else {
		ign, ok := c.m.Ignore.Label()
		s += fmt.Sprintf(" ignore=%v/%d terms=%s", ok, ign, fzTerms(c.m.Terms))
	}
	if c.want != nil {
		s += fmt.Sprintf(" invalid(%s, want %v)", c.what, c.want)
	}
	return s
}

func fzTerms(ts []Weighted) string {
	s := "["
	for _, t := range ts {
		s += fmt.Sprintf(" %g*%T%+v", t.Weight, t.Term, t.Term)
	}
	return s + " ]"
}

func fzDecode(data []byte) *fzCase {
	f := newFzIn(data)
	c := &fzCase{}
	e := f.ext()
	c.ext = e != 0
	c.probs = e&1 != 0
	flags := f.byte()
	mutate := f.n(6) == 5 // one input in six is made invalid
	c.bin = flags&1 != 0
	c.big = flags&0x7e == 0x7e // one input in 64
	if c.big {
		// Enough logits for the parallel passes (minParallel), a few chunks.
		N := 1 + f.n(2)
		C := 2 + f.n(3)
		if c.bin {
			C = 1 + f.n(3)
		}
		S := (minParallel+f.n(256)*37)/(N*C) + 1
		c.sh = Shape{N, C, S}
		c.workers = 2 + f.n(2)
	} else {
		c.sh = Shape{N: 1 + f.n(4), C: 1 + f.n(6), S: 1 + f.n(70)}
		if c.bin {
			c.sh.C = 1 + f.n(4)
		}
		c.workers = f.n(4)
	}
	if c.bin {
		c.b = fzBinary(f, c.sh.C, c.ext, c.probs)
		c.b.Workers = c.workers
	} else {
		c.m = fzMulticlass(f, c.sh.C, c.ext, c.probs)
		c.m.Workers = c.workers
	}
	if c.probs {
		c.setActivation(NoActivation)
		c.x, c.xmode = fzProbs(f, c.sh, !c.bin)
	} else {
		c.x, c.xmode = fzLogits(f, c.sh)
	}
	if c.bin {
		c.y = fzTargets(f, c.sh.Len())
	} else {
		c.lab = fzLabels(f, c, c.sh)
	}
	c.orig = c.sh
	if mutate {
		fzMutate(f, c)
	}
	e2 := fzExt2(data)
	if e2&0x80 != 0 && !c.bin && c.want == nil && !c.nanIn {
		fzMakeSoft(f, c)
	} else if e2&1 != 0 && c.want == nil && !c.nanIn && !fzHasMCC(*c.terms()) {
		fzDrawWeights(f, c)
	}
	return c
}

// fzExt2 returns the 66th byte of the input (0 if there is none), not
// taken from the bulk bytes (it is read as bulk data too). Its bits draw
// the kinds added after the corpus entries of 66 bytes or fewer were made
// (the one such entry in testdata/fuzz has none of them set): 1, the
// weighted calls (fzDrawWeights); 4, Region.GammaOnMean, 0x10,
// Region.Reduction (fzRegion); 0x80, probability targets for a Multiclass
// (fzMakeSoft; no weights then).
func fzExt2(data []byte) byte {
	if len(data) <= fzHead+1 {
		return 0
	}
	return data[fzHead+1]
}

// fzMakeSoft makes a valid Multiclass case one of probability targets
// (ForwardSoft, BackwardSoft): no Focal term (a CrossEntropy in place of
// one that was alone) and no ignore index, which those do not take; the
// targets one-hot from the labels (an out-of-range ignore label an all-0
// pixel), per-pixel distributions, values in [0, 1] of fzTargets, or
// smoothed one-hot ones.
func fzMakeSoft(f *fzIn, c *fzCase) {
	c.soft = true
	ts := c.m.Terms[:0:0]
	for _, t := range c.m.Terms {
		switch t.Term.(type) {
		case Focal, *Focal:
			continue
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		ts = append(ts, Weighted{1, &CrossEntropy{}})
	}
	c.m.Terms = ts
	c.m.Ignore = IgnoreIndex{}
	N, C, S := c.sh.N, c.sh.C, c.sh.S
	c.y = make([]float32, c.sh.Len())
	at := func(n, k, i int) *float32 { return &c.y[(n*C+k)*S+i] }
	switch mode := f.n(4); mode {
	case 0, 3:
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				l := refLabel(c.lab, n*S+i)
				for k := 0; k < C; k++ {
					switch {
					case mode == 0 && k == l:
						*at(n, k, i) = 1
					case mode == 3 && k == l:
						*at(n, k, i) = 0.75
					case mode == 3 && l >= 0 && l < C:
						*at(n, k, i) = 0.25 / float32(C)
					}
				}
			}
		}
	case 1:
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				sum := float32(0)
				for k := 0; k < C; k++ {
					*at(n, k, i) = f.rng.Float32()
					sum += *at(n, k, i)
				}
				for k := 0; k < C && sum > 0; k++ {
					*at(n, k, i) = min(*at(n, k, i)/sum, 1)
				}
			}
		}
	default:
		c.y = fzTargets(f, c.sh.Len())
	}
}

func fzHasMCC(ts []Weighted) bool {
	for _, r := range fzSplit(ts).regions {
		if r.Kind == MCCRatio {
			return true
		}
	}
	return false
}

// fzWeightPalette: per-pixel weights of powers of 2 (w*p is exact in
// float32, so the statistics sums round as the unweighted ones) and 0.
var fzWeightPalette = []float32{1, 0, 0.5, 2, 0.25, 4, 1, 0.125}

// fzDrawWeights makes a valid case a weighted one: the weights (each from
// the palette, a 0/1 mask, all 1 or one value everywhere) and, for each
// pixelwise term, Reduction WeightMean one time in three. (MCC takes no
// weights: Binary's is ErrOption, and the cases with one draw none.)
func fzDrawWeights(f *fzIn, c *fzCase) {
	n := c.sh.N * c.sh.S
	if c.bin {
		n = c.sh.Len()
	}
	c.wts = make([]float32, n)
	switch f.n(4) {
	case 0:
		for i := range c.wts {
			c.wts[i] = fzWeightPalette[f.rng.IntN(len(fzWeightPalette))]
		}
	case 1:
		for i := range c.wts {
			c.wts[i] = float32(f.rng.IntN(2))
		}
	case 2:
		for i := range c.wts {
			c.wts[i] = 1
		}
	default:
		v := pick(f, fzWeightPalette)
		for i := range c.wts {
			c.wts[i] = v
		}
	}
	ts := *c.terms()
	for i := range ts {
		if f.n(3) != 0 {
			continue
		}
		switch v := ts[i].Term.(type) {
		case *CrossEntropy:
			v.Reduction = WeightMean
		case CrossEntropy:
			v.Reduction = WeightMean
			ts[i].Term = v
		case *Focal:
			v.Reduction = WeightMean
		case Focal:
			v.Reduction = WeightMean
			ts[i].Term = v
		case *BCE:
			v.Reduction = WeightMean
		case BCE:
			v.Reduction = WeightMean
			ts[i].Term = v
		case *SigmoidFocal:
			v.Reduction = WeightMean
		case SigmoidFocal:
			v.Reduction = WeightMean
			ts[i].Term = v
		}
	}
}

// fzLogits draws the logits in one of five modes, which it returns.
func fzLogits(f *fzIn, sh Shape) ([]float32, int) {
	x := make([]float32, sh.Len())
	N, C, S := sh.N, sh.C, sh.S
	mode := f.n(5)
	switch mode {
	case 0: // every logit from the palette
		for i := range x {
			x[i] = fzLogitPalette[f.bulk(len(fzLogitPalette))]
		}
	case 1: // normal values of a scale, with palette values sprinkled in
		scale := pick(f, []float64{0.1, 1, 3, 10, 30, 100})
		for i := range x {
			x[i] = float32(f.rng.NormFloat64() * scale)
			if f.rng.IntN(8) == 0 {
				x[i] = fzLogitPalette[f.rng.IntN(len(fzLogitPalette))]
			}
		}
	case 2: // equal logits in every class of a pixel, one class sometimes raised
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				v := fzLogitPalette[f.bulk(len(fzLogitPalette))]
				for k := 0; k < C; k++ {
					x[(n*C+k)*S+i] = v
				}
				if f.bulk(3) == 0 {
					k := f.bulk(C)
					x[(n*C+k)*S+i] += fzLogitPalette[f.bulk(len(fzLogitPalette))]
				}
			}
		}
	case 3: // one value everywhere
		v := pick(f, fzLogitPalette)
		for i := range x {
			x[i] = v
		}
	default: // confident predictions: one class high, margins of a scale
		m := pick(f, []float32{2, 5, 9, 15, 30, 90})
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				k := f.bulk(C)
				for c := 0; c < C; c++ {
					x[(n*C+c)*S+i] = float32(f.rng.NormFloat64())
				}
				x[(n*C+k)*S+i] += m
			}
		}
	}
	return x, mode
}

// fzProbs draws NoActivation inputs in one of five modes, which it
// returns (numbered as fzLogits' for fzValid: 1 and 4 draw from continuous
// distributions): probabilities from the palette, per-pixel softmax
// (Multiclass) or sigmoid (Binary) of normal logits with exact 0 and 1
// sprinkled in, exact 0 and 1 (one-hot pixels for Multiclass, some all 0),
// one value everywhere, uniform values (for Multiclass, per pixel summing to
// about 1 half the time).
func fzProbs(f *fzIn, sh Shape, mc bool) ([]float32, int) {
	x := make([]float32, sh.Len())
	N, C, S := sh.N, sh.C, sh.S
	at := func(n, k, i int) *float32 { return &x[(n*C+k)*S+i] }
	mode := f.n(5)
	switch mode {
	case 0:
		for i := range x {
			x[i] = fzProbPalette[f.bulk(len(fzProbPalette))]
		}
	case 1:
		scale := pick(f, []float64{0.1, 1, 3, 10, 30})
		z := make([]float64, C)
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				sum := 0.0
				for k := range z {
					z[k] = f.rng.NormFloat64() * scale
					sum += math.Exp(z[k])
				}
				for k := range z {
					if mc {
						*at(n, k, i) = float32(math.Exp(z[k]) / sum)
					} else {
						*at(n, k, i) = float32(1 / (1 + math.Exp(-z[k])))
					}
				}
				if f.rng.IntN(8) == 0 {
					k := f.rng.IntN(C)
					for c := 0; c < C; c++ {
						if mc {
							*at(n, c, i) = 0
						}
					}
					*at(n, k, i) = float32(f.rng.IntN(2))
					if mc {
						*at(n, k, i) = 1
					}
				}
			}
		}
	case 2:
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				if !mc {
					for k := 0; k < C; k++ {
						*at(n, k, i) = float32(f.bulk(2))
					}
					continue
				}
				if k := f.bulk(C + 1); k < C { // k = C: an all-0 pixel
					*at(n, k, i) = 1
				}
			}
		}
	case 3:
		v := pick(f, fzProbPalette)
		for i := range x {
			x[i] = v
		}
	default:
		norm := mc && f.n(2) == 0
		for n := 0; n < N; n++ {
			for i := 0; i < S; i++ {
				sum := float32(0)
				for k := 0; k < C; k++ {
					*at(n, k, i) = f.rng.Float32()
					sum += *at(n, k, i)
				}
				if norm && sum > 0 {
					for k := 0; k < C; k++ {
						*at(n, k, i) = min(*at(n, k, i)/sum, 1)
					}
				}
			}
		}
	}
	return x, mode
}

func fzTargets(f *fzIn, n int) []float32 {
	y := make([]float32, n)
	switch f.n(5) {
	case 0:
		for i := range y {
			if f.bulk(3) == 0 {
				y[i] = 1
			}
		}
	case 1:
		for i := range y {
			y[i] = f.rng.Float32()
		}
	case 2:
		for i := range y {
			y[i] = fzTargetPalette[f.bulk(len(fzTargetPalette))]
		}
	case 3: // all zero
	default:
		for i := range y {
			y[i] = 1
		}
	}
	return y
}

// fzLabels draws the labels, uint8 or int32, some of them (or all) the
// ignore index when one is set.
func fzLabels(f *fzIn, c *fzCase, sh Shape) Labels {
	N, C, S := sh.N, sh.C, sh.S
	mode := f.byte()
	i32 := mode&1 != 0
	ign, set := 0, false
	switch (mode >> 1) % 4 {
	case 1:
		ign, set = 255, true
		if i32 && mode&0x20 != 0 {
			ign = -100
		}
	case 2: // a class of its own is ignored
		ign, set = f.n(C), true
	case 3:
		ign, set = C+f.n(255-C+1), true // C..255
	}
	if set {
		c.m.Ignore = Ignore(ign)
	}
	frac := []int{0, 8, 2, 1}[(mode>>3)%4] // 1 in frac of the pixels ignored (0: none)
	vals := make([]int32, N*S)
	for i := range vals {
		vals[i] = int32(f.bulk(C))
		if set && frac != 0 && f.rng.IntN(frac) == 0 {
			vals[i] = int32(ign)
		}
	}
	if i32 {
		return I32(vals)
	}
	u := make([]uint8, len(vals))
	for i, v := range vals {
		u[i] = uint8(v)
	}
	return U8(u)
}

func fzSmoothing(f *fzIn) float64 { return pick(f, []float64{0, 0, 0.1, 0.5, 1, 1e-8, 1.0 / 3}) }

// fzMulticlass draws a Multiclass loss's terms; with ext the region
// terms may be of the added kinds, and with probs (NoActivation) they are
// all region terms.
func fzMulticlass(f *fzIn, C int, ext, probs bool) *Multiclass {
	tm := f.byte()
	m := &Multiclass{}
	byValue := tm&0x40 != 0
	add := func(w float64, ptr, val Term) {
		if byValue {
			m.Terms = append(m.Terms, Weighted{w, val})
		} else {
			m.Terms = append(m.Terms, Weighted{w, ptr})
		}
	}
	hasCE, hasF, nReg := tm&1 != 0, tm&2 != 0, int(tm>>2)%4
	if probs { // region terms only (CrossEntropy and Focal take logits)
		hasCE, hasF, nReg = false, false, max(nReg, 1)
	}
	if !hasCE && !hasF && nReg == 0 {
		hasCE = true
	}
	if tm&0x80 != 0 && hasCE && nReg > 0 {
		// The chapter's scheduled mix, then the other terms.
		sched := pick(f, []Schedule{Linear{}, Cosine{}, Step{Steps: 3}})
		total := 1 + f.n(20)
		mx := Mix(sched, f.n(total+2), total, fzCE(f, C), fzRegion(f, C, ext))
		m.Terms = mx.Terms
		hasCE = false
		nReg--
	}
	if hasCE {
		t := fzCE(f, C)
		add(pick(f, fzTermWeights), t, *t)
	}
	if hasF {
		t := &Focal{Gamma: pick(f, fzGammas), Reduction: Reduction(f.n(3))}
		if f.n(2) == 0 {
			t.Alpha = fzWeights(f, C, []float32{1, 1, 1e-30, 1e10, 0x1p60})
		}
		add(pick(f, fzTermWeights), t, *t)
	}
	for range nReg {
		t := fzRegion(f, C, ext)
		add(pick(f, fzTermWeights), t, *t)
	}
	return m
}

func fzCE(f *fzIn, C int) *CrossEntropy {
	t := &CrossEntropy{LabelSmoothing: fzSmoothing(f), Reduction: Reduction(f.n(4))}
	if f.n(3) == 0 {
		t.Weight = fzWeights(f, C, []float32{1, 1, 1e-3, 1e-30, 1e30, 8e37, 0x1p-140})
	}
	return t
}

// fzRegion draws a Region term: Dice, IoU or Tversky, and with ext also
// GeneralizedDiceRatio (its GDLWeight drawn; no Weight, Squared, Log or
// Empty policy, which it does not take) and MCCRatio (no SmoothDen,
// Squared or Log), and SoftLabel on Dice, IoU and Tversky without Squared.
func fzRegion(f *fzIn, C int, ext bool) *Region {
	kinds := 3
	if ext {
		kinds = 5
	}
	r := &Region{Kind: RegionKind(f.n(kinds)), SmoothNum: pick(f, fzSmooth), SmoothDen: pick(f, fzSmooth),
		Gamma: pick(f, fzRegionGammas), Empty: EmptyPolicy(f.n(3))}
	if r.Kind == TverskyRatio {
		r.Alpha, r.Beta = pick(f, fzRatios), pick(f, fzRatios)
	}
	if r.Kind == GeneralizedDiceRatio {
		r.GDLWeight, r.Empty = GDLWeight(f.n(3)), EmptyComputed
	}
	fl := f.byte()
	r.PerImage = fl&1 != 0
	r.Squared = fl&2 != 0
	r.ExcludeBackground = fl&4 != 0 && C > 1
	r.Log = fl&8 != 0
	if fl&0x30 == 0x30 {
		r.Weight = fzWeights(f, C, []float32{1, 1e-20, 1e15})
	}
	switch r.Kind {
	case GeneralizedDiceRatio:
		r.Squared, r.Log, r.Weight = false, false, nil
	case MCCRatio:
		r.SmoothDen, r.Squared, r.Log = 0, false, false
	default:
		r.SoftLabel = ext && fl&0x40 != 0 && !r.Squared
	}
	// Drawn only with bits of the 66th byte (fzExt2): GammaOnMean (bit
	// 4), Reduction Sum or None (bit 0x10).
	if f.e2&4 != 0 && f.n(2) == 0 {
		r.GammaOnMean = true
	} else if f.e2&0x10 != 0 {
		r.Reduction = Reduction(f.n(3))
	}
	return r
}

// fzBinary draws a Binary loss's terms; with ext the region terms may be
// of the added kinds, and with probs (NoActivation) there is no
// SigmoidFocal term (it takes logits).
func fzBinary(f *fzIn, C int, ext, probs bool) *Binary {
	tm := f.byte()
	b := &Binary{}
	byValue := tm&0x40 != 0
	add := func(w float64, ptr, val Term) {
		if byValue {
			b.Terms = append(b.Terms, Weighted{w, val})
		} else {
			b.Terms = append(b.Terms, Weighted{w, ptr})
		}
	}
	hasBCE, hasF, nReg := tm&1 != 0, tm&2 != 0, int(tm>>2)%4
	if probs {
		hasF = false
	}
	if !hasBCE && !hasF && nReg == 0 {
		hasBCE = true
	}
	if tm&0x80 != 0 && hasBCE && nReg > 0 {
		sched := pick(f, []Schedule{Linear{}, Cosine{}, Step{Steps: 2}})
		total := 1 + f.n(20)
		mx := BinaryMix(sched, f.n(total+2), total, fzBCE(f, C), fzRegion(f, C, ext))
		b.Terms = mx.Terms
		hasBCE = false
		nReg--
	}
	if hasBCE {
		t := fzBCE(f, C)
		add(pick(f, fzTermWeights), t, *t)
	}
	if hasF {
		t := &SigmoidFocal{Alpha: pick(f, []float64{-1, 0.25, 0, 1, 0.5, 0.75, -1e300}), Gamma: pick(f, fzGammas),
			Reduction: Reduction(f.n(3))}
		add(pick(f, fzTermWeights), t, *t)
	}
	for range nReg {
		t := fzRegion(f, C, ext)
		add(pick(f, fzTermWeights), t, *t)
	}
	return b
}

func fzBCE(f *fzIn, C int) *BCE {
	t := &BCE{Reduction: Reduction(f.n(3))}
	if f.n(3) == 0 {
		t.PosWeight = fzWeights(f, C, []float32{1, 1, 1e-20, 1e15, 0x1p62})
	}
	return t
}

func (c *fzCase) activation() Activation {
	if c.bin {
		return c.b.Activation
	}
	return c.m.Activation
}

func (c *fzCase) setActivation(a Activation) {
	if c.bin {
		c.b.Activation = a
	} else {
		c.m.Activation = a
	}
}

// terms returns the loss's terms (those of c.m or c.b).
func (c *fzCase) terms() *[]Weighted {
	if c.bin {
		return &c.b.Terms
	}
	return &c.m.Terms
}

// fzFind returns the first term of type T (pointer or value) as a pointer
// into the terms, or nil.
func fzFind[T any](ts []Weighted) *T {
	for i := range ts {
		switch v := any(ts[i].Term).(type) {
		case *T:
			if v != nil {
				return v
			}
		case T:
			p := new(T)
			*p = v
			ts[i].Term = any(p).(Term) // a pointer the mutation can change
			return p
		}
	}
	return nil
}

// fzMutate makes the input invalid in one way and records the error every
// call must return.
func fzMutate(f *fzIn, c *fzCase) {
	ts := c.terms()
	C := c.sh.C
	set := func(want error, what string) { c.want, c.what = want, what }
	bad := pick(f, []float64{math.NaN(), -1, math.Inf(1), math.Inf(-1)})
	badW := pick(f, []float32{float32(math.NaN()), -1, float32(math.Inf(1)), -0x1p-149})
	ceOrBCE := func() {
		if c.bin {
			if fzFind[BCE](*ts) == nil {
				*ts = append(*ts, Weighted{1, &BCE{}})
			}
		} else if fzFind[CrossEntropy](*ts) == nil {
			*ts = append(*ts, Weighted{1, &CrossEntropy{}})
		}
	}
	focal := func() {
		if c.bin {
			if fzFind[SigmoidFocal](*ts) == nil {
				*ts = append(*ts, Weighted{1, NewSigmoidFocal()})
			}
		} else if fzFind[Focal](*ts) == nil {
			*ts = append(*ts, Weighted{1, &Focal{Gamma: 2}})
		}
	}
	region := func() *Region {
		if r := fzFind[Region](*ts); r != nil {
			return r
		}
		r := Dice()
		*ts = append(*ts, Weighted{1, r})
		return r
	}
	// weighted returns a region term that takes a Weight (not a
	// GeneralizedDiceRatio, whose Weight is ErrOption).
	weighted := func() *Region {
		for i := range *ts {
			if _, ok := (*ts)[i].Term.(Region); !ok {
				if _, ok := (*ts)[i].Term.(*Region); !ok {
					continue
				}
			}
			r := fzFind[Region]((*ts)[i : i+1])
			if r != nil && r.Kind != GeneralizedDiceRatio {
				return r
			}
		}
		r := Dice()
		*ts = append(*ts, Weighted{1, r})
		return r
	}
	if f.e2&0x95 != 0 {
		c.mutation = f.n(29) // with those of the kinds of fzExt2, 26..28
	} else if c.ext {
		c.mutation = f.n(26) // with the added kinds' mutations, 22..25
	} else {
		c.mutation = f.n(22)
	}
	if c.probs && (!c.bin && c.mutation >= 6 && c.mutation <= 13 || c.bin && c.mutation >= 11 && c.mutation <= 13) {
		// These add a CrossEntropy or Focal (SigmoidFocal) term, which
		// NoActivation does not take (ErrOption, 23): they are for the
		// options of those terms, on the inputs taken as logits.
		c.setActivation(FromLogits)
	}
	switch c.mutation {
	case 0:
		switch f.n(5) {
		case 0:
			c.sh.N = -f.n(2)
		case 1:
			c.sh.C = -f.n(2)
		case 2:
			c.sh.S = -f.n(2)
		case 3:
			c.sh = Shape{1 << 40, 1 << 40, 1 << 40}
		default:
			c.sh = NewShape(c.sh.N, c.sh.C, c.sh.S, 0)
		}
		set(ErrShape, "shape")
	case 1:
		c.x = c.x[:len(c.x)-1]
		if f.n(2) == 0 {
			c.x = append(c.x, 0, 0)
		}
		set(ErrLength, "logits length")
	case 2:
		if c.bin {
			c.y = append(c.y, 0)
		} else if l := c.lab.Uint8(); l != nil {
			c.lab = U8(l[:len(l)-1])
		} else {
			c.lab = I32(append(c.lab.Int32(), 0))
		}
		set(ErrLength, "labels or targets length")
	case 3:
		c.grad = make([]float32, c.sh.Len()+1-2*f.n(2))
		c.gradOnly = true
		set(ErrLength, "gradient length")
	case 4: // the gradient overlaps the logits (or the targets)
		buf := make([]float32, 2*len(c.x))
		in := buf[len(c.x)/2 : len(c.x)/2+len(c.x)]
		copy(in, c.x)
		off := f.n(len(c.x)) - len(c.x)/2
		c.grad = buf[len(c.x)/2+off : len(c.x)/2+off+len(c.x)]
		if c.bin && f.n(2) == 0 {
			copy(in, c.y)
			c.y = in
		} else {
			c.x = in
		}
		c.gradOnly = true
		set(ErrOption, "gradient overlaps an input")
	case 5:
		(*ts)[f.n(len(*ts))].Weight = pick(f, []float64{math.NaN(), -1, math.Inf(1), 0x1p65})
		set(ErrWeight, "term weight")
	case 6: // per-class weights of the pixelwise term
		ceOrBCE()
		w := fzWeights(f, C, []float32{1})
		w[f.n(C)] = badW
		if c.bin {
			fzFind[BCE](*ts).PosWeight = w
		} else {
			fzFind[CrossEntropy](*ts).Weight = w
		}
		set(ErrWeight, "class weight")
	case 7:
		ceOrBCE()
		w := make([]float32, C+1-2*f.n(2))
		if c.bin {
			fzFind[BCE](*ts).PosWeight = w
		} else {
			fzFind[CrossEntropy](*ts).Weight = w
		}
		set(ErrLength, "class weight length")
	case 8:
		ceOrBCE()
		if c.bin {
			w := fzWeights(f, C, []float32{1})
			w[f.n(C)] = 0x1p65
			fzFind[BCE](*ts).PosWeight = w
		} else {
			if C < 2 {
				focal()
				fzFind[Focal](*ts).Alpha = []float32{0x1p65}
				set(ErrWeight, "focal alpha")
				return
			}
			w := make([]float32, C)
			for i := range w {
				w[i] = 1
			}
			w[f.n(C)] = pick(f, []float32{1e-30, 0x1p-61})
			fzFind[CrossEntropy](*ts).Weight = w
		}
		set(ErrWeight, "weight scale")
	case 9:
		ceOrBCE()
		red := pick(f, []Reduction{-1, WeightMean + 1, 1000}) // WeightMean + 1: the first unknown one
		if c.bin {
			fzFind[BCE](*ts).Reduction = red
		} else {
			fzFind[CrossEntropy](*ts).Reduction = red
		}
		set(ErrOption, "reduction")
	case 10:
		if c.bin {
			ceOrBCE()
			fzFind[BCE](*ts).Reduction = PixelMean
		} else {
			ceOrBCE()
			fzFind[CrossEntropy](*ts).LabelSmoothing = pick(f, []float64{math.NaN(), -0.1, 1.5, math.Inf(1)})
		}
		set(ErrOption, "smoothing or PixelMean")
	case 11:
		focal()
		g := pick(f, []float64{math.NaN(), -1, 2e6, math.Inf(1)})
		if c.bin {
			fzFind[SigmoidFocal](*ts).Gamma = g
		} else {
			fzFind[Focal](*ts).Gamma = g
		}
		set(ErrOption, "focal gamma")
	case 12:
		focal()
		if c.bin {
			fzFind[SigmoidFocal](*ts).Alpha = pick(f, []float64{math.NaN(), 1.5, math.Inf(-1), math.Inf(1)})
			set(ErrOption, "sigmoid focal alpha")
		} else {
			w := fzWeights(f, C, []float32{1})
			w[f.n(C)] = pick(f, []float32{badW, 0x1p65})
			fzFind[Focal](*ts).Alpha = w
			set(ErrWeight, "focal alpha")
		}
	case 13:
		focal()
		if c.bin {
			fzFind[SigmoidFocal](*ts).Reduction = pick(f, []Reduction{PixelMean, 7})
		} else {
			fzFind[Focal](*ts).Reduction = pick(f, []Reduction{PixelMean, 7})
		}
		set(ErrOption, "focal reduction")
	case 14:
		r := region()
		switch f.n(7) {
		case 0:
			r.Kind = pick(f, []RegionKind{-1, MCCRatio + 1})
		case 1:
			r.Empty = pick(f, []EmptyPolicy{-1, 3})
		case 2:
			r.Alpha = pick(f, []float64{bad, 2e6})
		case 3:
			r.Beta = pick(f, []float64{bad, 2e6})
		case 4:
			r.Gamma = pick(f, []float64{bad, 2e6})
		case 5:
			r.SmoothNum = bad
		default:
			r.SmoothDen = bad
		}
		set(ErrOption, "region option")
	case 15:
		r := weighted()
		if C == 1 {
			r.ExcludeBackground = true
			set(ErrOption, "ExcludeBackground with C = 1")
			return
		}
		w := fzWeights(f, C, []float32{1})
		w[f.n(C)] = pick(f, []float32{badW, 0x1p65})
		r.Weight = w
		set(ErrWeight, "region weight")
	case 16:
		weighted().Weight = make([]float32, C+1)
		set(ErrLength, "region weight length")
	case 17: // terms that do not fit
		switch f.n(4) {
		case 0:
			*ts = nil
		case 1:
			ceOrBCE()
			*ts = append(*ts, (*ts)[0])
			if c.bin {
				*ts = append(*ts, Weighted{1, BCE{}}, Weighted{1, &BCE{}})
			} else {
				*ts = append(*ts, Weighted{1, CrossEntropy{}}, Weighted{1, &CrossEntropy{}})
			}
		case 2:
			if c.bin {
				*ts = append(*ts, Weighted{1, &CrossEntropy{}})
			} else {
				*ts = append(*ts, Weighted{1, &BCE{}})
			}
		default:
			*ts = append(*ts, Weighted{1, pick(f, []Term{nil, (*CrossEntropy)(nil), (*Region)(nil), (*BCE)(nil), (*SigmoidFocal)(nil), (*Focal)(nil)})})
		}
		set(ErrOption, "terms")
	case 18: // a label or target out of range
		if c.bin {
			c.y[f.n(len(c.y))] = pick(f, []float32{-1e-30, 1.0000001, float32(math.NaN()), float32(math.Inf(1)), -1})
		} else {
			i := f.n(c.lab.Len())
			ign, set := c.m.Ignore.Label()
			if l := c.lab.Int32(); l != nil {
				v := pick(f, []int32{-1, int32(C), math.MaxInt32, math.MinInt32})
				if set && int(v) == ign {
					v = int32(C) + 1
					if v == int32(ign) {
						v++
					}
				}
				l[i] = v
			} else {
				v := C
				if set && v == ign {
					v++
				}
				c.lab.Uint8()[i] = uint8(v)
			}
		}
		set(ErrLabel, "label out of range")
	case 19:
		if c.bin || f.n(2) == 0 {
			c.nilGrad, c.gradOnly = true, true
			set(ErrLength, "nil gradient")
			return
		}
		if c.lab.Int32() != nil {
			c.m.Ignore = Ignore(pick(f, []int{1 << 32, -1 << 33}))
		} else {
			c.m.Ignore = Ignore(pick(f, []int{256, -1, -100, 1 << 32}))
		}
		set(ErrOption, "ignore index")
	case 20:
		c.busy = true
		set(ErrBusy, "busy workspace")
	case 21:
		c.nilWS = true
		set(ErrOption, "nil workspace")
	case 22: // a probability out of [0, 1] (NaN propagates: a valid input)
		if !c.probs {
			c.setActivation(pick(f, []Activation{-1, NoActivation + 1, 1000}))
			set(ErrOption, "activation")
			return
		}
		i := f.n(len(c.x))
		v := pick(f, []float32{float32(math.NaN()), -0x1p-149, 1.0000001, float32(math.Inf(1)), float32(math.Inf(-1)), -1, 2, 1e30})
		c.x[i] = v
		if math.IsNaN(float64(v)) {
			c.nanIn = true
			return
		}
		set(ErrLabel, "probability out of range")
	case 23: // a term NoActivation does not take
		if !c.probs {
			c.setActivation(pick(f, []Activation{-1, NoActivation + 1, 1000}))
			set(ErrOption, "activation")
			return
		}
		switch {
		case c.bin:
			*ts = append(*ts, Weighted{1, NewSigmoidFocal()})
		case f.n(2) == 0:
			*ts = append(*ts, Weighted{1, &CrossEntropy{}})
		default:
			*ts = append(*ts, Weighted{1, Focal{Gamma: 2}})
		}
		set(ErrOption, "a logits term with NoActivation")
	case 24:
		c.setActivation(pick(f, []Activation{-1, NoActivation + 1, 1000}))
		set(ErrOption, "activation")
	case 26: // Region reductions
		r := region()
		if f.n(2) == 0 {
			r.GammaOnMean, r.Reduction = true, pick(f, []Reduction{Sum, None})
			set(ErrOption, "GammaOnMean without Reduction Mean")
			return
		}
		r.Reduction = pick(f, []Reduction{PixelMean, WeightMean, -1, 7})
		set(ErrOption, "region reduction")
	case 27, 28: // the weighted calls' weights
		n := c.sh.N * c.sh.S
		if c.bin {
			n = c.sh.Len()
		}
		hasMCC := fzHasMCC(*ts)
		if hasMCC && !c.bin {
			region().Reduction = PixelMean
			set(ErrOption, "region reduction")
			return
		}
		c.wts = make([]float32, n)
		for i := range c.wts {
			c.wts[i] = pick(f, fzWeightPalette)
		}
		c.wtsOnly = true
		switch {
		case hasMCC: // (Binary's ForwardWeighted godoc)
			set(ErrOption, "MCC with element weights")
		case c.mutation == 27:
			c.wts[f.n(n)] = pick(f, []float32{float32(math.NaN()), -1, float32(math.Inf(1)), 0x1p65, -0x1p-149})
			set(ErrWeight, "element weight")
		default:
			if f.n(2) == 0 {
				c.wts = c.wts[:n-1]
			} else {
				c.wts = append(c.wts, 1)
			}
			set(ErrLength, "weights length")
		}
	default: // options the added region kinds do not take
		var r *Region
		switch f.n(4) {
		case 0:
			r = GeneralizedDice()
			switch f.n(4) {
			case 0:
				r.Weight = fzWeights(f, C, []float32{1})
			case 1:
				r.Squared = true
			case 2:
				r.Log = true
			default:
				r.Empty = pick(f, []EmptyPolicy{EmptySkip, EmptyZero})
			}
		case 1:
			r = MCC()
			switch f.n(3) {
			case 0:
				r.SmoothDen = pick(f, []float64{1e-5, 1})
			case 1:
				r.Squared = true
			default:
				r.Log = true
			}
		case 2:
			r = pick(f, []*Region{Dice(), IoU(), Tversky(0.3, 0.7), GeneralizedDice(), MCC()})
			r.SoftLabel = true
			if r.Kind <= TverskyRatio {
				r.Squared = true
			}
		default:
			r = GeneralizedDice()
			r.GDLWeight = pick(f, []GDLWeight{-1, GDLUniform + 1})
		}
		*ts = append(*ts, Weighted{pick(f, fzTermWeights), r})
		set(ErrOption, "an option the added region kinds do not take")
	}
}

// fzKernelMax is the largest per-pixel value the float32 kernels are
// asked to hold: their blocks add up to a few thousand such values in
// float32. Inputs beyond it (logits near 1e35 times a weight) are checked
// for errors and panics only.
const fzKernelMax = math.MaxFloat32 / 4096

var fzSentinels = []error{ErrShape, ErrLength, ErrLabel, ErrWeight, ErrOption, ErrBusy}

func fzIsSentinel(err error) bool {
	for _, s := range fzSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzLoss(f *testing.F) {
	f.Add([]byte{})
	for _, s := range fzCorpus {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fzRun(t, data) })
}

// fzCorpus, the corpus entries FuzzLoss starts from (hex), cover both kinds of loss, each way of drawing the logits,
// the big (parallel) shapes, Pixelwise, PerImage and scheduled terms, and
// each kind of invalid input; found by decoding random bytes. The entries
// of 65 bytes cover the kinds the extension byte adds (see there).
var fzCorpus = []string{
	"9c0fd0c5d8d4ff7b34", // mc x0
	"fc5b0631fc8bb7e8c78c1411bb4fdf9fdd3d83e7bc84c3fb25cd7987702d4f161ad79f3abe368bdd46009fc3",   // mc x1, mc perimage, mc mix
	"9609f6fe91bbd0a006452392fe8f4b8ec1036a014be36bfb35ccdaf707208383bed138c8a6fc9f4dd821339d8a", // mc x2
	"f488b328eaa2532c636d2ab689791d216b001a04b67b1f055a8cf8d0bfde41257d35",                       // mc x3, mc pixelwise
	"5cfc6dc3b17388d569d03469e9e0b24be29d661fef27d927723eec3dc9",                                 // mc x4
	"7edfd3d7a7c75364a76e62994a",                                                                     // mc big
	"7e5e0679bca522632b81a408",                                                                       // mc big x3
	"d2f5d2efa5433a57410b5e76e15c5c5213a1093dc3",                                                     // mc invalid 0
	"c86bb04b36db41ca6d005c90677abd3e621af82d682d",                                                   // mc invalid 1
	"e42f339c98b981fc59397c79eb44e3cfd2dc8b5ae45041ab86fb364028",                                     // mc invalid 2
	"9add9eec3c402317d3bc3eef205667aae8f95db9c38dff87e020e5ecb56d0ab682fe3d70f89c00bc94979c11b25305", // mc invalid 3
	"ae29728628df124900624a4319c071fe8b8f88efc9f6326c9d1cd457e078450ce9ec8bf85b2f4d196fc9",           // mc invalid 4
	"6cad94a79f2255e734d79fcbceadc95f4f0fc30da87217a908ad73f58c43cae7ef0525f1ff",                     // mc invalid 5
	"e82f69b08804818e5d49b8644dbb211af8",                                                             // mc invalid 6
	"e64d40d15f357474db27888d516d192d1c886aef34f9e9",                                                 // mc invalid 7
	"7ecbf26565eee82fea99a8024e4a0bfcfa9200c45aff6de6ad620547df142f5cf234ce712033",                   // mc invalid 8
	"04efc70f3207e1c92da2f26fdd3af31ad7e35224fb",                                                     // mc invalid 9
	"369b54614892a09afdb1a9a04e86fcac9608c80a64e982af77ff75d007b983935b5cc76d3914f4",                 // mc invalid 10
	"ae0b49a5438541df4ede50830eb3518ea241d263fd",                                                     // mc invalid 11
	"4883e5df3bd602420eb0dac3259e6ba91e96e882bf4711b147d43110",                                       // mc invalid 12
	"4ad76829fd628b4ba7fef63f5e944125b223aa6995c011bc0744fb668e1aa93c6747b51fcf8e7b96f365e940783f",   // mc invalid 13
	"7453aec8f5cd72d28a4a48678c43fc8ea9fd3266f9ae4a36dede7fd8db17b03fc75e37dab6a051ba7d0191",         // mc invalid 14
	"f07d910766f8380b5fa1fc5c73956b0a89bcaa189c834b48a82a00931b7d",                                   // mc invalid 15
	"407d12879e2d8a130649ccdf24c60f4f405bb1ee98b124e1b8fcd7cf1f06ec",                                 // mc invalid 16
	"f4d77729d3435202b5a5eb28fd0856a17f124a6ea89b34e001a74fb96d7d52c8c8d9193582d694bc",               // mc invalid 17
	"40d7e84bd8fe46a7b3818ab6c4bab53de924711e5f73a0ba42eba50409d9807f583dd3d4afbd2b0bb921859a1d18",   // mc invalid 18
	"249b3e37ee15f05315fb829ba92ebdeff9fb4378725f9bf0664b6b9f290803ff0a3b7f3a",                       // mc invalid 19
	"3c17a73539fc50a0d7a8cffdbb93a24115982eb80d1b7446c4c5086e15f9b037f939bd6f0466f43363b28633f1",     // mc invalid 20
	"9a8971d4fd4e11701bd0315ecd758cbf592bc107ea767f878989c6c04c3d",                                   // mc invalid 21
	"4bb822da4e4a9453b133", // bn x0
	"e715baca2725f072c8d6f31ae2f57fd6ea92a2f319a888a094064893357b6ac74ee3",                         // bn x1, bn pixelwise
	"4d824d7c55b707d848dce24b6c0dea3c6391043080a53429dba6d1",                                       // bn x2, bn perimage
	"4720f3bc9ae39a04cf2824ed952cee2bf25d6be9954ae4a907853d37",                                     // bn x3
	"af3167bf9fad89d758613730d76f2dd392f2e42696420c8b98",                                           // bn x4
	"7ff07431c3b38090f828ad97e0f5531eac8bde47a22d9038f554081f6b080b470b5c2e1690",                   // bn big
	"ffbc6276cecf0f52547830e780",                                                                   // bn big x3
	"5196aa876c736477c10608c01dd5518a223030966e465916abdee4d558e3dbcf794e3105c807f1c1c8e04c75527c", // bn mix
	"f94d63bfc2932a2a42f2a287fa4096b238fdfaf9ad6205d96b8667146ceb60eeea1e12ee73",                   // bn invalid 0
	"352f8b71f9ab0962563a1a45e4444eee7f6fd998ef",                                                   // bn invalid 1
	"fbd1cff5985aad27bb738a799d9acacf3f2d03443f678be831bb709410d15a67ad32423eeb506792d28c0ec2d1",   // bn invalid 2
	"37414b15464fd8b769f7d18058967317e8ee9365b567b6adad1ea63c032133854d",                           // bn invalid 3
	"2b3b627bf7a9c3384aa19a587de38d525234089d3dfda9c0fd2d469d4772f9a3a5e7ef",                       // bn invalid 4
	"8b9bcc98ab3cb6e32a5e37fcc1d456b43fec8a73b1",                                                   // bn invalid 5
	"c9bf464811b1471859416c9168f276ce1d25f344bf6710bc7ea6daab1f5e89a28cba7043",                     // bn invalid 6
	"81ddab2fd690b4f46519a01bf55dce1da149da981146e3f540aa749687da906a41f359ad94a98e838e0e",         // bn invalid 7
	"c5e953288d6a11566777d3e106d437c549c90581c6b065dca23fb6",                                       // bn invalid 8
	"af959d53552c9672e537b1a689471742fb203ac234edf15153574f1ff432b7bb6a0a8825f80619b1bc",           // bn invalid 9
	"8d538325e282324462c98cc3405b27b7ecb7d49dc01149a7f4788cb67452093a1dca31d59f2439943357",         // bn invalid 10
	"2f0b21d17e547b2151fa53f5f45c398f591a829382d9c8",                                               // bn invalid 11
	"e7113e63904d4d72cc48f9ac3e7f9c200c8f9ae258873c69455ab330d2a16badcab75f",                       // bn invalid 12
	"4917de634f5198eb9205f9a0eea0adcfa5c4b74293312042e73f58b597d40ced952b62cf46ecd301",             // bn invalid 13
	"2badcb7269cd0f66dd8071de22f6a12d522b383321dfddcc7c64db911eb44ca6932a81d5f6cc289197b1e6",       // bn invalid 14
	"07ddd0a2524e4c7c780f3b42c89f307653e46c2aae3573e3d715f900dcb5d0fa7c893bf9b0de13b8e4b6",         // bn invalid 15
	"47d7266071ff54563a624dd5bd8d81e2164af44a4ded20d3d6",                                           // bn invalid 16
	"81d7a2feadf0e0bacebd7cb8059427a399e13994ca9bdbbae3b210a6c80068860c79c995",                     // bn invalid 17
	"0b1d6f0fd94c15bf3335a45b0d76bcbc1249eaad04ac4212553696533a4cc22a0a0290087ce86c67ecdbef4e96",   // bn invalid 18
	"23658df0384c6cc3790cc2caccf66efecbcb353352ed81949a6e4531177a",                                 // bn invalid 19
	"7353e58757ab8906753dff79e4c9acb5a933c4359e0729093d0307f2d5567c7a59ca16f43889b0a6a150d249",     // bn invalid 20
	"c1b920d78ecad8a1ef38ad2f7db3fa4115cb5b",                                                       // bn invalid 21
	// The kinds drawn with a non-zero extension byte (fzIn.ext, the 65th
	// byte): probs is NoActivation (xN its way of drawing the
	// probabilities), gdlN a GeneralizedDiceRatio of GDLWeight N, soft a
	// SoftLabel region, invalid 22..25 the added mutations and a few old
	// ones on probabilities, nan a NaN probability; each of at most 24
	// elements.
	"931e3511d27420dd17b2c8c3ef1c26d776ea6854265f1c63a85a45ddbc9b0b9f81d55b6d7f7ac0383da4ae77a0aad8865c2773f3ff5821f980859524abe1334f74", // bn gdl0, bn gdl2
	"d57f98d046c4043d685020bdd54460a36ca122466bf47d27c317064ecc33e8d720b124991d822c27485b220f7f571936a9a5f5bccf3413bc965a6aae3749a23672", // bn gdl1, bn mcc
	"a58560118c503f1c490803bce64d6561086138b44945a8faef54a89321dee71b725013ebb33c20e299cd27b00423bfac1f6c3cd08e8f05df4f7fb74849f64a500f", // bn probs gdl0, bn probs gdl2, bn probs mcc, bn probs x2
	"010fbd2b014ca60e8af86d1e073aeb13759bf0f2017719616b52983c6a0cd66ad8159bd1b71be3a07781ec03826e3ced95f73f7fb56f1a51869b9efcae99a71471", // bn probs gdl1, bn probs soft, bn probs x0
	"c3f9c43300fc38c654b496cbed449697b6bc2272c22cdb4c2aec5a14c584c126741ee9d293b89e68b729f6789a66648d35eb2ed12cbaba2e069359b19793d4e31f", // bn probs x1
	"d5966c4c464c7ce0039864c6c92651c071f72c778da3cdff69a2f8f7fe050d4a19c0ee8a808be83a1bc103beafcc88da38a8e817e4b24ca282dd053dac22ce7ef5", // bn probs x3
	"236d30838c7ce7630231d2ef3fd2d6f3db83f889ea70c0e0020c0bbc6696bb9102a80caf8ed7cc507e4ac22b0095e831c387e58909e7bd75b7ec142d4ece89b7ef", // bn probs x4
	"cb6ebd6b03f0bdcc02c9fe0035bc8951f14123b870a041f9e22725546579edd7590f8dee5a284a6ebbb5fd8af6f50370619a95a70614a8ccd513a7ef85b40c0084", // bn soft
	"becc5ff68cf9adb2f15895a176ecb8b5fb9bcc5aabc9d2d2f9ec6ae549772421f6ae1a6e468a7c0fdb2f1f3e37611c68fee78b4d0dcc945f64e9b5b238dab9fab6", // mc gdl0, mc soft
	"2e60f53c46ea0f32c753bd3eaac3d88181c152177f6fa463e41c66a9e5dc13fcd553b20e107fa07da80ad061f59f4d5058a4efdfb196871540f24d9a0924c7b9c6", // mc gdl1
	"3c2a9c728d397d908aa5bd4fc9a42288101b0d1fad977d346502dc9672dee6d3c04fa2523337c00c90a99d1f2012660754fff4846d4dc3566ef04df9aeb0a0ae78", // mc gdl2, mc mcc
	"646774fc8ce9ee2a42fee614fc2e40345af064c2bce9f63a9312919f96eb260b7272504dddc039578be7ab16feda2bebfd8702f95eb2de40a56453c17be60553eb", // mc probs gdl0, mc probs soft, mc probs x1
	"dab61a5c46053d9e37b356c2af2ffbeee99d95efac14e58a2e364df10d79defcd8b04dfca63be59d08d00ed409f8de789c94d890e7044e763c21aa8db734e58aed", // mc probs gdl1, mc probs x2
	"12e6b8d88db04ff302e32bf820ed3fb3dc9a9de39cf8df956c4dfe896cc06c1e5d5d9b7d5376adc2bc5193435220ccab5ce266e87095a25722ec96528ac41e64f1", // mc probs gdl2, mc probs mcc, mc probs x3
	"6438f42a00b3fd9d0bad39847d204514093c099e8dea41cba15f97f2f7a484fafb1173a0f722abba21805a01b37967ed60e6907fca82b0f92437e12e6a5066122d", // mc probs x0
	"847acc128c36baf0b9395dd03d3c0e72f7612301bf7bc0d0b954b232c68fcfde4705c09aab2bba8e03d995ce812e0c6773563cf26f483c0702771ab6e49007aaed", // mc probs x4
	"a51d09028cb8ed08ac1820ff4940935817cd07ee61aeebe11dd170e6aeb2dbf856d3ad96b801bf6eab7cbd6deab8024d0ee1c574aedc8848e920680bd7d6b1ff74", // bn invalid 22
	"1d2f9e7ad2a0cfc06dcf3747dbd57283c8e2cdc61280ff2011a2d9884a143d0331952f9b0fbeef8aaeed3c8de5c1f91f1c67c3ada1e832172cca7f9a4bb26121ae", // bn invalid 23
	"c1e98cf90024b60079eb12c4c3dedc8d80a28c388fa3578d7f00b077b102c8641633645231de7d5c57704bc70aaabbbc14d1e55c3be473db38bbc089c51074b62c", // bn invalid 24
	"4f4d949b00d0e119875afd40044abb5ccfa032160c39ff5c7fa3f18494b54dbabd514d7cc80ad475907c4f15182af705435a8bfcfdc5ab210feec40629bec08b94", // bn invalid 25 gdl option
	"d3bfb050d2064471506ddb3ab7411de04d23a50ddf9dd36f10386bb973570f2714ef1625ee41a753a685046d7bc990b9df7b1fdec65bbf9e2bb4395f29e8954206", // bn invalid 25 gdlweight
	"e79508648c1172506e48910fa24538dbd244ca9bdd2084a789fb72ec029e6f246c2d4cf60252663606f1b928f44b37b300883d76f32945baefeb19789c213bc94f", // bn invalid 25 mcc option
	"3d83110f00643be9b98c5cc488fcf2f0b60c9d1db450667eeb5665c68d57cfc68f5f9b2eae900ae2382ecb4b06da92e989e523f075ea4db2eec22aa1ccb69dd697", // bn invalid 25 soft
	"0bd128218c34769f9bdd859f9cdb314b30a861e5ff2d88b2e49d1ddf7c4d5dfd75e8f34c03f76dfc8857f01e1f6bbcd19a55e9b69f143e296e588e07adc69b5c6d", // bn probs invalid 03
	"d1299cd68ccc4a34d0ad4292f1d9240488497f07fe6cdbe2aeb6b650a10494f0ef8ed4388f13af141fe05762d389aa40aa84ddbb5b638f2535f222e70a5eaf7fdf", // bn probs invalid 04
	"e5f5792c46541e58d3bf647f1401bbb5736c8919c8d7a7a2b1eb8806902b26557ed8ab18fd8ba5cf22e267568dea830f6a34545121e0fe4cbae678e574c15aaa79", // bn probs invalid 06
	"b33bc8a88d88f4f7ebffe28dbac887c7364e6eb5e282136c198feb110922aa717aca278f587c77c2a80a67a4ffa78630516b404d4024fc104f778e3895703b57af", // bn probs invalid 13
	"d53b610bd29cf53555785b5a7e32ee011c4f3b64cc522b33df62d6ae9df8053c2e3ab5618ad4d8e37622c38feae7c7e91806098e2a793f807c0275761963602875", // bn probs invalid 18
	"73836029003446d09748ff5f482a9031154824a083a89002d73305656e66128c20bc15e7b8de75aac1039238de7c68b61c00ce0edbaa7161f28cf71303a6b30149", // bn probs invalid 20
	"23e3ec268c4412874da74f295bc987ff45670a4da1dcfbe601939ce79b489fbd556d74724334d59b2eeee3d9f9e28fe8263c0106038f3af184c4abff575f0f43cb", // bn probs invalid 22
	"e395182d8c442b90e9b317f678b3f0383184fe6af2ee91bb2d4faad95e42a1e98a49cad2c4e07e487ff1cab42c82248e9a34091494b27a9876bc2bed7134782adb", // bn probs invalid 23
	"fbcb48dd001cc41f18e2da0f8ab725c986798605341afe0e22007cdc822be38a1d2ed9bf9a1ce1e4be83968c97d90e53a2cc1b8744ed35d0d7205125fcca8fea6b", // bn probs invalid 24
	"8de92c020a84354bf32488b7fb739edaa8bc1f7eedee34c2a1ca373afc5480e56cd4b9987f3818fcd3ca8699219daa17837f369859fd28659567ef85cd82609491", // bn probs nan
	"44b3984e8d68d8bfb5aab5e015dd63935e050dac3fd2dc2b7d24e6a57397553a7310607863e8c27e6be9e0cdde97bcc06331487d330f2fdd9250d7e73bda83738e", // mc invalid 22
	"3c53fac68c9e0fb62fc9dd9054e38a2b347a550e3f38c38c9d43efb1840e84404ad2192e843c88af79878daf250731f4b44921c2057e94dc053e649583761193cc", // mc invalid 23
	"86d1c896d29328dad2360fa6d45ce0fb7f80e39fa4869e46117f0be806f007213981196002cdeffddee250becc6673e59def8a1a4440ddb4a53d428d2cbd45bf2e", // mc invalid 24
	"520b2bc68cc09ff5aabb5ed51c299bddcbb71f60a9e30204334f7a00dd00c14f3e4585038d63be87df2637671cf85bbc3b965c1a39b683788f156814f7ab567422", // mc invalid 25 gdl option
	"6847f8604713e8d6f5b8bb08592b59dd27cfdced752b7d5441cb5a338772fdbc7b541ebe5e5df6f7c4a1d302e101d1234478c38a7efd5e352dee7ad95970bfaf32", // mc invalid 25 gdlweight
	"0059847b46b192f44cd9c553ab606296e99914a68d926b3dd4ff01508b969250aef0f343423bc63520f73f19abd422c1b9c7af5d0d826a4343060d230a3da6e56c", // mc invalid 25 mcc option
	"a21d800dd37dc236105c87592584c187623c3f673a858f8364047d26cf6f7d21f70ab03c16250fa410c843f9a30a5bac963fa0bc3bc4e2b52c96716fd75e289048", // mc invalid 25 soft
	"3ecb5000d45c69d0de9391bfd95cd99e170a7fe447a064ad8672f394858b1568c2fec14089798fd916db18a1741b6f88fddcdd72c1e1bb5da289ad0b7f37b4e5ad", // mc probs invalid 03
	"2c5f78b4484d172ce8679f2e6f0713eab7772168041e6d143f1162b6dc77851ed706a74fb8fc07ce020b0d14f8e4335ecb980d9e5194bcc4bc8e7c0c47eb3f162d", // mc probs invalid 04
	"1611381246f4133d6abc9959677bd9ec9d579b0689b304f1341d6eec1c51ce75302ceacf3bdd65646b6c79e94ad701eb34d7db231bd3433b1b6c811b8849bc121d", // mc probs invalid 06
	"200b3cae008c52b2ced432834f99512b2029a40a272f1a15c247d796476eb98c4edcd0d616e43982820020d24fa2b485ea6d933daf9975c162952a67ea4463290f", // mc probs invalid 13
	"e0ddd52a8cdee71d6a4fb2fba69bd5c08f6b1427460c6d871c9bb533720ccda1bedeaa3a1eaeb90a13ebd01110335ae88eb8d134d7125864c2e53f8e1da1722997", // mc probs invalid 18
	"34cb4c2cd2930cefe7a250565c187941c1bb4bf70eebfd6bd7cd0ed23d8f032d1be0acf8ca063d594e2375992df1ab8e618ee46b1f9bdc97787e3d82d12bf244f5", // mc probs invalid 20
	"5c89a48e8c04a731ae77d0004073c4be356383a1e677225eb7a03ad144469a5f6c1d29ab4e58f14d1f4d51ff25e0819ae301d7e1a4e494286657a586af839234a1", // mc probs invalid 22
	"d8dd280c46978301666bb732317c8488e63429d1e331258ced8accff967984e7a1c8a0d4bd3ea5a532e299027bfc2b0ec355086eccee5a74a162c371707727f7f3", // mc probs invalid 23
	"beb398360060435894e0701f86830145f013df5db449b651abc3a04b38661b73b4cbad7990b31b7c7a7ffe6c970e94e85d03c1f95ce803e88884845bf3aa5250e1", // mc probs invalid 24
	"02f5805504ba9575ea53538bb23a5b8acdc18eb2b2f8406e87c268b1dbb9d4af1346c1794673abd47521b4b5b677007affb3ab0b3817ee646872b830ec34bbdcc7", // mc probs nan
	// The kinds drawn with bits of the 66th byte (fzExt2): weighted the
	// weighted calls (weightmean a pixelwise term of Reduction WeightMean),
	// gammaonmean a Region with GammaOnMean, sum and none Region
	// Reductions, gdl a GeneralizedDiceRatio with one of those, soft
	// probability targets (ForwardSoft, BackwardSoft); each of at most 24
	// elements.
	"d0fdce4247797adffc3af0fc6a27f3fde2137f4a663e737e2b135ce383570193a8714c0ff8e61e7d6b28253d8f8e60647f656b888ba1643d69dbd9c572cf54d451493d",   // mc probs weighted
	"7d8ac45f0263afc66ddd20837ebbbd5e4a10c331cefba33fd91605ac3a8ca7ea1d5c10a09254c101cc35a2286723913dc9555538639a6522b3f364621427dfcf2641",     // bn weighted
	"447ea99e8f9ae25144c7666760f5bcefe4c52ec9222ecb3ac415d47746ebaad34ddc765baaf63093923cfd3a6c24deeaaa5fe2e4998551191584b60d8e41f0b3f669",     // mc weighted
	"91abd4a3a2b01a97108f31f9aa8a7a235dc04c3299597f8632e9ca1a82a45f939625454132bbbd54c6ac8855d34ec253fc3d1f7593d37a346322a692d25cff463949f0",   // bn probs weighted
	"13309565d6fd9bcab54c8af2adfef4d755726a9755d6de926cef7f79f2517bb50355dbecf081302ab045eb8facec08bc187db49c5a11a7186853e23603fa29be4a01",     // bn weightmean weighted
	"6ebb3c670a38c032b9d3e85048e5f3ddfb9ce434db2daaa222ac1fae1b5140f2293996985bea6878aa8601eee90464d405c29cc5703997f43a9f65bc9f24f7fdb449",     // mc weightmean weighted
	"87681a57d3ad9f733aa9353e822abaa0ac012f2023bcc7ddc0f65724cd3aa3f44b89468015bf64680017ef9477f997148357dd5303f5a9f7204610fefb26c494af49",     // bn probs weightmean weighted
	"d0fdce4247797adffc3af0fc6a27f3fde2137f4a663e737e2b135ce383570193a8714c0ff8e61e7d6b28253d8f8e60647f656b888ba1643d69dbd9c572cf54d4515c3d",   // mc probs gdl none
	"7d8ac45f0263afc66ddd20837ebbbd5e4a10c331cefba33fd91605ac3a8ca7ea1d5c10a09254c101cc35a2286723913dc9555538639a6522b3f364621427dfcf2654",     // bn sum
	"6658581e081294bb638ebe91e7708d6ec7228af2befec83d91514bc54123cf29b280eaf2b5083680c8441865ea35e8ce1e9e334eb4eafb3a8854842bc544b7bf5a1e70",   // mc gammaonmean
	"91abd4a3a2b01a97108f31f9aa8a7a235dc04c3299597f8632e9ca1a82a45f939625454132bbbd54c6ac8855d34ec253fc3d1f7593d37a346322a692d25cff46395cf0",   // bn probs gdl none
	"1ac7f82bdb46e957b039c40233e7f273ce76829272fd90777521a424738fb710148a3ebe98f7583656561167c64534ecb519e499a10573fd34544deccabda2e3077600",   // mc probs gammaonmean
	"76e138d25815355279f53e57ab0d8e8bcd5247bdfe212940382280b11b9a435e0628f9a5e978c2acf97582b8060b6a9a917c7ed659af1547f9e354c83a9c8ed91d5404",   // mc probs sum
	"d1d204e4e76465565659159d9eadf947ebc5fe10ef3a8d47c37c3ec185756a9e9ea91b20b618df943a2ecd350bb6811195cd280ba216564f0c5ec595b2e0870daf3e",     // bn probs none
	"6cc756ba4b53eea4998baa71f7fba387fb59724b9a024344e43622f177d5cb150ca1d4864ad1870a6bee0869bb3449568e491bf8b2995247c7bb76c881c9a3c5ee1618",   // mc gdl gammaonmean
	"55730c120401ddb93fc8651181e4bb3331d3991449469fbb2f64037c99907d57fd55123927c2a8e697a4cb458e0db1e92bbc2e9471b04c67ef524414e45ebe5a517ca9",   // bn probs sum
	"aa5d20904c95676a8e235eda771f11508efe7def853fce11a59c212efa54a1c565fc052983451e6cc9a1dc517b9050ceaf8f597dd1bf30c207c3ff7416c42467d43c",     // mc none
	"79bc4c41a19cc62d415ef206688fcd094e2e87c51945a8c1d583c8c7c45c1b026c59fce51f5e5ba9808e64e0e61038189a482987c159efc29de88ef3861b02df96362daa", // bn gammaonmean sum
	"92b128ae14509c6f542143e8339c94463a6dd89280c73ca23b3c91f0087d8da8d1a546efaeb831f2d4c910ccb6db50e95ff7daae7505447e40477f3409dc24b794564248", // mc gammaonmean sum
	"13309565d6fd9bcab54c8af2adfef4d755726a9755d6de926cef7f79f2517bb50355dbecf081302ab045eb8facec08bc187db49c5a11a7186853e23603fa29be4a14",     // bn gdl sum
	"f4078ade48eb2ef0b1ea4af174eb2f649a47897157b414f8d93fde53dc8cb0fdfe8262918a41c1eb70294d1142e2cbb58d50a760997ac668da841239da39cace11742a01", // mc probs gdl gammaonmean
	"0b4816b14ca0506e64330f3ec19d52422261f239d08760d6b4d2cd127f2f5ce72adc1d43022104fea79785ecf4f92fa46019024765b8674d1c3dee901df1cd12ff34236c", // bn probs gammaonmean
	"a7140fad4854ecba3370a72fae5b56e480ee0240855fb41a8d14e8a376dadf065c5b507639e89d5e39536e08e223acdb6ab2e6d8b58f9f435e57321bdb6215dc335eb4ad", // bn probs gdl gammaonmean
	"25340b258e28d0a99cf0f0650a97300f1711706b6c737e678fd1702ff2d9867b3d783973090cf93219de666130701b3269b31aaf08f29d9d858782ea7689fa550a36",     // bn gdl
	"517b8443d34beadc15073aac6b17765644fb395aebb07431b297043707754ca1486e72a453b333419a51a43b7281eae0c4066677f5646e8bf062761740d6ceb4dc7e",     // bn gammaonmean
	"c43968f69db02caba64207b54b0a2de249310f88beaa40c9dca45191947f43619b98c1e2fec2fa874d1fcce68611c1ea25c6ec9a1d5055614c38af87516b94c64516",     // mc probs gammaonmean none
	"9f0f27724610e57d68f1e5e5f07abe1ed42b987329d5403458b9074d0860ec2223e70c13f9f61777f702e599c10a307b454a57d8a38cd857b966d880c4d4f287b85c85",   // bn gammaonmean none
	"4861f0d48f1a17283e490da09a5bf64e682a5aaf96e2d0d40a65fc90e826922670ab88d373a5b54ecffe99d57717ed891b302d560ba5852e34b07420ef1926cd127e0f26", // mc gdl
	"32028c08d83fdcead3cf6b4c6e50b34c008525d09a4ff2b687154fc2f70fc8b8739ff88a122e0b99419b445065081ed17f8295a3cb376cdc8c4b6eece5a456d92e5c",     // mc gammaonmean none
	"8cd0183e923987c28afe4132a9c9d64dd03d739c2e0dfca1f1ebda3d4f1b710750a7c50524994af8584cd03b92ffde2a7a8ca8fa65ab4d3fec958e75b653b827881e",     // mc sum
	"718467674bac509cd09797a6fa9c4749bd6667bad77c603913c6dec9f2b083ba3cdc9b30ba119857173272b2c852a733fbc19a347c0c1af9ec1c6b84b2ba6523661e1b11", // bn gdl gammaonmean
	"56587cde91800fba4ee427a980cba370b62e50041e6df13515eef831fa2cc2bd75e63b751ad38e2c563de7c1b7dec45927da3a31fe596adf277ef539242d495a3976",     // mc probs gammaonmean sum
	"ec21bc425ac0c1927c51f44e7506168f05ab5c60d9f48070da268210f83172de8c4c51be7d74373c62b4d3b450eaf07bf571481935f87a33c13d7ec2c44aa49a0136db",   // mc probs none
	"400e7ad501b7ad240a0f21d31ed575a8231f8711554a223b80523b8940eb29d8a2320d6243b7376fc19e40a77155d23e7ca18753c5aad800e84d2a098c582d0a5534",     // mc probs gdl
	"c7e5b09dd66db9bb22b8b5b1681927d75f32c565e1d50638190b927f00c825093ba6884fbf4cfbc6a1382707a69be6a2ea12120fe1f220e291b75247e9088cf9125e23",   // bn none
	"c05df35246ec5aaffb1d4dc6a93d6650cbec69c16a48155c83fd56e6be0d25a85fbfbe45125a165c545094dbd85186c64909bb2ab8d3e27981fbc7d17c2d45a4fc3c",     // mc gdl sum
	"69bd18e707e0946d928a7757821eba3d24bf2becd14da83233fb24379b602f4f4ddfbad9a965ce8920666272ccc577ffef779565886729797d56b90ddd0cc6509b744a93", // bn probs gammaonmean none
	"3f46b0ed4964174eb2ca761c5d1f177832832b083cb44d9d165c080d5f57fbc9a8ea832179e6f054004fddef465ecea24ac538fc748fbcdcf78cf6b7bd07341f6c3e",     // bn gdl none
	"d14a900c062cc1fa90650764b9a4595573091320642dba78e6667d6e84630711bfcde0e57aca711f0abab88b19b37e31c3a89dae9b43bdefa92d97d794010818151ca24b", // bn probs gammaonmean sum
	"4a509792d3a972a835fef016f392998be7e946b4713a8177edd9d8f33f928e33abef3119b964563af0a4a2058b6d28cb2ce6d58376fbb4a9282804c234736e8edf3c05",   // mc probs gdl sum
	"c2197b94d22dba280cb342cf6785fc520f0f376986dfa333c92dd50280b8b86335ae621795411c72bdabd074faa3286c80b8a4a46ccbf42bc875151924eca0210414",     // mc gdl none
	"038a5e6d90f004183a6712ca328c1dda535605804ad117514b7a55935ffdcfa548dd13b1b4d00653b937b1f0a897c8e9c54cef6950ff9ce2f5d83aa8421c3e716f5e1c89", // bn probs gdl
	"2fa5f8824bdacd8fa9c7e6f970941f454bb6d21349de3a863f299dd2d7dd1d889f63af2873a17f7c1aaa50fb55d9427bfb38df483e4ff4822f3617cb315dca747d34b425", // bn probs gdl sum
	"91abd4a3a2b01a97108f31f9aa8a7a235dc04c3299597f8632e9ca1a82a45f939625454132bbbd54c6ac8855d34ec253fc3d1f7593d37a346322a692d25cff46395df0",   // bn probs gdl none weighted
	"20455c3003ddbaaf09b85250c222294ef40987769abc8663ea6a0cafb92b6547808e083a5a24377fcd8fcc9db9f9c214da9b9933d2f4b27f8918656799b50ed64c75932f", // mc gdl gammaonmean sum
	"aa5d20904c95676a8e235eda771f11508efe7def853fce11a59c212efa54a1c565fc052983451e6cc9a1dc517b9050ceaf8f597dd1bf30c207c3ff7416c42467d43d",     // mc weightmean none weighted
	"79bc4c41a19cc62d415ef206688fcd094e2e87c51945a8c1d583c8c7c45c1b026c59fce51f5e5ba9808e64e0e61038189a482987c159efc29de88ef3861b02df96372daa", // bn gammaonmean sum weighted
	"f4078ade48eb2ef0b1ea4af174eb2f649a47897157b414f8d93fde53dc8cb0fdfe8262918a41c1eb70294d1142e2cbb58d50a760997ac668da841239da39cace11752a01", // mc probs gdl gammaonmean weighted
	"a1f9aafd46b19ec75143a553cd34d3089b98776f8dbc9265488d0fdc31b9e89e83d83e41aad80952191324a53fc6cc97fb2237bbdfc950869451928950f0b4bd3b57e1b5", // bn probs weightmean gammaonmean weighted
	"d0fdce4247797adffc3af0fc6a27f3fde2137f4a663e737e2b135ce383570193a8714c0ff8e61e7d6b28253d8f8e60647f656b888ba1643d69dbd9c572cf54d451c83d",   // mc probs soft
	"447ea99e8f9ae25144c7666760f5bcefe4c52ec9222ecb3ac415d47746ebaad34ddc765baaf63093923cfd3a6c24deeaaa5fe2e4998551191584b60d8e41f0b3f6e8",     // mc soft
	"d0fdce4247797adffc3af0fc6a27f3fde2137f4a663e737e2b135ce383570193a8714c0ff8e61e7d6b28253d8f8e60647f656b888ba1643d69dbd9c572cf54d451dc3d",   // mc probs gdl none soft
	"6cc756ba4b53eea4998baa71f7fba387fb59724b9a024344e43622f177d5cb150ca1d4864ad1870a6bee0869bb3449568e491bf8b2995247c7bb76c881c9a3c5ee9618",   // mc gdl gammaonmean soft
	"92b128ae14509c6f542143e8339c94463a6dd89280c73ca23b3c91f0087d8da8d1a546efaeb831f2d4c910ccb6db50e95ff7daae7505447e40477f3409dc24b794d64248", // mc gammaonmean sum soft
	"f4078ade48eb2ef0b1ea4af174eb2f649a47897157b414f8d93fde53dc8cb0fdfe8262918a41c1eb70294d1142e2cbb58d50a760997ac668da841239da39cace11f42a01", // mc probs gdl gammaonmean soft
	"efc7a65ad451e38ea50582701be003ece19b9ef70f3d69b9144bb2262ff73cd7efce9da8afecf6a9f5d5768b920ad061ac30dba57aefe57a98b8b030a5e30abb4d94",     // bn probs gdl gammaonmean none
	"c43968f69db02caba64207b54b0a2de249310f88beaa40c9dca45191947f43619b98c1e2fec2fa874d1fcce68611c1ea25c6ec9a1d5055614c38af87516b94c64596",     // mc probs gammaonmean none soft
	// Weighted calls on the big shapes (the parallel passes), and the
	// invalid inputs of the fzExt2 kinds (fzMutate's 26..28).
	"fe1abcae89e93526295b024bc3f919fa9caa9797757921d721ffdba4d64ef3bb09c78d9b6546b5b0195df5242ec764dc361622c4975c3cbc77152e59f91dd73f4b6b",     // mc big weighted
	"ff2ccea85710e7479c3c3b58858ed3e5f53385be543377071c780df118807a2fff6395fe436cf827e6da334693ed5b45170a106bfa0beeff66e0932868adfe491903ab",   // bn big weighted
	"eaa7c50c97b6aa3a16b11c0b0978de40af6fe01dc9e7005eaf7aca329b0e09382bde72dfa4c4a46bd295a72afe145b2d4e1dbb34ec813a95fbea1c69497a27209bb504",   // mc invalid 27 region reduction
	"cb3531554763386f65f19405118cbe3d336c152e93289f6799098c0eff9aeee3f76c4c3c30924e24ee1d330c6fe3a456195daae72f63200f9a58c8601c59055334d7a5",   // bn invalid 28 weights length
	"9683f36d01ec442e8580cb81dff5bf9a0b87925261adb37012277b35e307c12ab04b6005b094f657ca71d51914b8656800bd9d723ce50195670678769e9b91d4abf5b8",   // mc invalid 28 weights length
	"6529b8c48ec5c581f1dfc3d8c585f3eae58c1c87bd3398283f5686a139ad343292c282f327b1be46b4a9e7cc9e92b522194024a0c040e72d41f760f7c809658075bd",     // bn invalid 26 GammaOnMean without Reduction Mean
	"48b3c26c492a46d349b9370e69e137b79849206627d54e677d0bca00c83c6ebbf6d1c3c64d411541f30ad0ed4c9850c82ff315786b613637776eb5b1071dac3d9e9fb404", // mc invalid 28 region reduction
	"19eff635d5d01860d3a1c453fb6f1ca88ff7d311308c65f5dbc7cfcf18a8b9ea84506b41a2add1bdd9e283273abfee47e39efe2cde08cd8b7294e3fe53bef8849bd5156a", // bn invalid 27 element weight
	"6977d098e77043ebfd08ff25e57248b8853146bd82de4def2ce866123b3061cefd7eac6061114d45c856e9938214197872c094438d362624a8c4a571c36f831a389572c7", // bn invalid 28 MCC with element weights
	"24175e0c034dbb8034430d9b4c7e268193a58b916dbdc99acf40ac2aad81c1596773889e042ea714e60eb9387dc480e6208dd5cc1b5b967f6c958212765308b6b0bdb1f5", // mc invalid 27 element weight
	"357df87f96eda20f974fd19521eeee799d8812d23987f8c285ecacd323e0aec01b484feacd440638eec48fa5855ed585b0306994385f908edf91cede9edc66b489952579", // bn invalid 27 MCC with element weights
	"5fcbbc3f9122b37d70a6065a9d759c636335d3b709f18529ce414a3e43e27b600c9b4b7a60e7fc10bd4eb5ef0760a5e581242aae599270daf67f80500870afc9ebbf",     // bn invalid 26 region reduction
}

func fzRun(t *testing.T, data []byte) {
	c := fzDecode(data)
	if c.want != nil {
		fzInvalid(t, c)
		return
	}
	if c.nanIn {
		fzNaN(t, c)
		return
	}
	active := kernels.Active()
	defer kernels.Use(active)
	ref := c.ref(to64(c.x), true)
	tiers := []string{active}
	if c.sh.Len() <= 256 {
		tiers = kernels.Available()
	}
	for _, tier := range tiers {
		if err := kernels.Use(tier); err != nil {
			t.Fatal(err)
		}
		fzValid(t, c, &ref, tier, tier == active)
	}
}

// fzNaN checks an input with a NaN probability (NoActivation): NaN
// propagates (the Activation godoc), so every call takes it, and the value
// is NaN exactly when the reference's is (a NaN in an entry EmptySkip
// leaves out, at an ignored pixel or in an excluded class reaches no
// term); Backward may say ErrRange, for NaN gradient coefficients.
func fzNaN(t *testing.T, c *fzCase) {
	var ref fzRefOut
	if c.bin {
		ref = fzRefBinary(c.b, to64(c.x), to64(c.y), c.sh, false)
	} else {
		ref = fzRefMulticlass(c.m, to64(c.x), c.lab, c.sh, false)
	}
	var ws Workspace
	defer ws.Close()
	v, err := c.forward(&ws)
	if err != nil {
		t.Fatalf("%v: Forward: %v, want NaN to propagate", c, err)
	}
	if math.IsNaN(v) != math.IsNaN(ref.value) && ref.kmax <= fzKernelMax {
		t.Fatalf("%v: Forward: %v, reference %v", c, v, ref.value)
	}
	grad := make([]float32, len(c.x))
	vb, err := c.backward(&ws, grad)
	if err != nil && !errors.Is(err, ErrRange) {
		t.Fatalf("%v: Backward: %v, want NaN to propagate", c, err)
	}
	if math.IsNaN(vb) != math.IsNaN(v) || !math.IsNaN(v) && vb != v {
		t.Fatalf("%v: Backward's value %v, Forward's %v", c, vb, v)
	}
	if err == nil {
		fzCheckGradient(t, c, &ref, "", "Backward", grad, false)
	}
	if c.bin {
		out := make([]float32, c.sh.Len())
		err := c.pixelwise(&ws, out)
		if len(fzSplit(c.b.Terms).regions) > 0 {
			if !errors.Is(err, ErrOption) {
				t.Fatalf("%v: Pixelwise with a Region term: %v, want ErrOption", c, err)
			}
		} else if err != nil {
			t.Fatalf("%v: Pixelwise: %v, want NaN to propagate", c, err)
		}
	}
}

// ref returns the reference of the case's loss at logits x (the case's
// weights with it).
func (c *fzCase) ref(x []float64, wantGrad bool) fzRefOut {
	var w []float64
	if c.wts != nil {
		w = to64(c.wts)
	}
	if c.bin {
		return fzRefBinaryW(c.b, x, to64(c.y), w, c.sh, wantGrad)
	}
	if c.soft {
		return fzRefMulticlassSoft(c.m, x, to64(c.y), c.sh, wantGrad)
	}
	return fzRefMulticlassW(c.m, x, c.lab, w, c.sh, wantGrad)
}

// fzForward and the other calls run the case's loss (the weighted calls
// when it has weights).
func (c *fzCase) forward(ws *Workspace) (float64, error) {
	if c.soft {
		return c.m.ForwardSoft(ws, c.x, c.y, c.sh)
	}
	if c.wts != nil {
		if c.bin {
			return c.b.ForwardWeighted(ws, c.x, c.y, c.wts, c.sh)
		}
		return c.m.ForwardWeighted(ws, c.x, c.lab, c.wts, c.sh)
	}
	if c.bin {
		return c.b.Forward(ws, c.x, c.y, c.sh)
	}
	return c.m.Forward(ws, c.x, c.lab, c.sh)
}

func (c *fzCase) backward(ws *Workspace, g []float32) (float64, error) {
	if c.soft {
		return c.m.BackwardSoft(ws, c.x, c.y, c.sh, g)
	}
	if c.wts != nil {
		if c.bin {
			return c.b.BackwardWeighted(ws, c.x, c.y, c.wts, c.sh, g)
		}
		return c.m.BackwardWeighted(ws, c.x, c.lab, c.wts, c.sh, g)
	}
	if c.bin {
		return c.b.Backward(ws, c.x, c.y, c.sh, g)
	}
	return c.m.Backward(ws, c.x, c.lab, c.sh, g)
}

func (c *fzCase) pixelwise(ws *Workspace, out []float32) error {
	if c.bin {
		return c.b.Pixelwise(ws, c.x, c.y, c.sh, out)
	}
	return c.m.Pixelwise(ws, c.x, c.lab, c.sh, out)
}

// shard returns the logits, labels or targets and shape of images a..b.
func (c *fzCase) shard(a, b int) (x []float32, lab Labels, y []float32, sh Shape) {
	C, S := c.orig.C, c.orig.S
	x = c.x[min(a*C*S, len(c.x)):min(b*C*S, len(c.x))]
	if c.bin {
		y = c.y[min(a*C*S, len(c.y)):min(b*C*S, len(c.y))]
	} else if l := c.lab.Uint8(); l != nil {
		lab = U8(l[min(a*S, len(l)):min(b*S, len(l))])
	} else {
		l := c.lab.Int32()
		lab = I32(l[min(a*S, len(l)):min(b*S, len(l))])
	}
	return x, lab, y, Shape{b - a, C, S}
}

func (c *fzCase) accumulate(ws *Workspace, st *Stats, a, b int) error {
	x, lab, y, sh := c.shard(a, b)
	if w := c.shardWeights(a, b); w != nil {
		if c.bin {
			return c.b.AccumulateWeighted(ws, st, x, y, w, sh, a)
		}
		return c.m.AccumulateWeighted(ws, st, x, lab, w, sh, a)
	}
	if c.bin {
		return c.b.Accumulate(ws, st, x, y, sh, a)
	}
	return c.m.Accumulate(ws, st, x, lab, sh, a)
}

func (c *fzCase) value(ws *Workspace, st *Stats) (float64, error) {
	if c.bin {
		return c.b.Value(ws, st)
	}
	return c.m.Value(ws, st)
}

// shardWeights returns the weights of images a..b (nil for none).
func (c *fzCase) shardWeights(a, b int) []float32 {
	if c.wts == nil {
		return nil
	}
	per := c.orig.S
	if c.bin {
		per *= c.orig.C
	}
	return c.wts[a*per : b*per]
}

func (c *fzCase) gradient(ws *Workspace, st *Stats, a, b int, g []float32) (float64, error) {
	x, lab, y, sh := c.shard(a, b)
	if w := c.shardWeights(a, b); w != nil {
		if c.bin {
			return c.b.GradientWeighted(ws, st, x, y, w, sh, a, g)
		}
		return c.m.GradientWeighted(ws, st, x, lab, w, sh, a, g)
	}
	if c.bin {
		return c.b.Gradient(ws, st, x, y, sh, a, g)
	}
	return c.m.Gradient(ws, st, x, lab, sh, a, g)
}

// fzInvalid checks that every call on an invalid input returns the error
// it must (and nothing panics).
func fzInvalid(t *testing.T, c *fzCase) {
	var ws Workspace
	defer ws.Close()
	wsp := &ws
	if c.nilWS {
		wsp = nil
	}
	if c.busy {
		w, err := ws.acquire()
		if err != nil {
			t.Fatal(err)
		}
		defer w.release()
	}
	grad := c.grad
	if grad == nil && !c.nilGrad {
		grad = make([]float32, len(c.x))
	}
	hasRegion := len(fzSplit(*c.terms()).regions) > 0
	expect := func(call string, err, want error) {
		t.Helper()
		switch {
		case want == nil && err != nil:
			t.Fatalf("%v: %s: %v, want no error", c, call, err)
		case want != nil && !errors.Is(err, want):
			t.Fatalf("%v: %s: %v, want an error wrapping %v", c, call, err, want)
		case err != nil && !fzIsSentinel(err):
			t.Fatalf("%v: %s: %v wraps none of the package's errors", c, call, err)
		}
	}
	wantNoGrad := c.want
	wantPix := c.want
	if c.gradOnly {
		wantNoGrad, wantPix = nil, nil
		if hasRegion {
			wantPix = ErrOption
		}
	}
	// A Multiclass with NoActivation takes Forward and Backward only:
	// Pixelwise, Accumulate and Gradient are ErrOption once they hold the
	// workspace.
	wantAcc, wantGrad := wantNoGrad, c.want
	if c.wtsOnly {
		wantPix, wantAcc, wantGrad = nil, nil, nil
		if hasRegion {
			wantPix = ErrOption
		}
	}
	if !c.bin && c.m.Activation == NoActivation {
		wantPix, wantAcc, wantGrad = ErrOption, ErrOption, ErrOption
		if c.busy {
			wantPix, wantAcc, wantGrad = ErrBusy, ErrBusy, ErrBusy
		}
	}
	_, err := c.forward(wsp)
	expect("Forward", err, wantNoGrad)
	_, err = c.backward(wsp, grad)
	expect("Backward", err, c.want)
	n := c.orig.Len()
	if !c.bin {
		n = c.orig.N * c.orig.S
	}
	err = c.pixelwise(wsp, make([]float32, n))
	expect("Pixelwise", err, wantPix)

	// The statistics calls, on one shard of the whole batch.
	var st Stats
	if err := st.Reset(c.orig.N, c.orig.C); err != nil {
		t.Fatal(err)
	}
	if c.bin {
		err = c.b.Accumulate(wsp, &st, c.x, c.y, c.sh, 0)
	} else {
		err = c.m.Accumulate(wsp, &st, c.x, c.lab, c.sh, 0)
	}
	expect("Accumulate", err, wantAcc)
	if err := st.Reset(c.orig.N, c.orig.C); err != nil {
		t.Fatal(err)
	}
	if c.bin {
		_, err = c.b.Gradient(wsp, &st, c.x, c.y, c.sh, 0, grad)
	} else {
		_, err = c.m.Gradient(wsp, &st, c.x, c.lab, c.sh, 0, grad)
	}
	if c.wtsOnly && errors.Is(err, ErrRange) {
		// The unweighted call on a valid input: ErrRange may be a right
		// answer (fzRangeOK), which this path has no reference to judge.
		err = nil
	}
	expect("Gradient", err, wantGrad)
}

func fzFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// fzValueOK reports whether a value v computed by the library agrees with
// the reference, and whether it was compared at all: not when the input
// leaves the float32 kernels' range or when the float32 statistics make
// the value ill-conditioned (the reference is exact; the sums the library
// may round are not).
func fzValueOK(v float64, ref *fzRefOut) (ok, compared bool) {
	if !(ref.kmax <= fzKernelMax) || fzKnownBugs && ref.known != "" {
		return true, false
	}
	if math.IsInf(ref.value, 0) || math.IsNaN(ref.value) { // NaN: a term of weight 0 whose value is infinite
		if !(ref.cond < math.Inf(1)) {
			return true, false
		}
		if math.IsNaN(ref.value) {
			return math.IsNaN(v), true
		}
		return v == ref.value, true
	}
	// (plus float64's normal range, for values of tiny weights)
	tol := goldenValueRel*ref.mag + goldenValueAbs*ref.scale + 0x1p-1018
	if !(ref.cond <= tol/2) || fzKnownBugs && !(ref.knownCond <= tol/2) {
		return true, false
	}
	return math.Abs(v-ref.value) <= tol, true
}

// fzRangeOK reports whether ErrRange is a right answer for the value v of
// reference ref: its gradient scales or region coefficients come within a
// factor 64 of math.MaxFloat32/16 (where the library draws the line, after
// float32 roundings of sums it does not see exactly), v is not finite, or
// the value is ill-conditioned at those roundings (fzValueOK does not
// compare it either): the coefficients are derivatives of a value the
// float32 statistics do not pin, so the library's can be any size. (A
// soft-label Tversky under -log whose intersection, (P + Y - Σ|p-y|)/2,
// cancels to below the sums' rounding: 1/I of the rounding's size, where
// the reference's I is about 1e-12; testdata/fuzz/FuzzLoss/a59b8ac3879a0c63.)
func fzRangeOK(v float64, ref *fzRefOut) bool {
	if !fzFinite(v) || !(max(ref.coefMax, ref.scaleMax) <= math.MaxFloat32/16/64) {
		return true
	}
	tol := goldenValueRel*ref.mag + goldenValueAbs*ref.scale + 0x1p-1018
	return !(ref.cond <= tol/2)
}

// fzGradFinite reports whether the gradient must be finite: the value is,
// the per-pixel values fit the kernels and the exact gradient fits
// float32 with room to spare.
func fzGradFinite(v float64, ref *fzRefOut) bool {
	if !fzFinite(v) || !(ref.kmax <= fzKernelMax) {
		return false
	}
	if !(max(ref.coefMax, ref.scaleMax) <= math.MaxFloat32/4) {
		// Gradient coefficients and scales beyond float32 (1/I of a -log
		// Dice with a tiny SmoothNum and I = 0; a CE weight of 3e38 with a
		// term weight of 2 and Sum): Backward says ErrRange (fzRangeOK).
		return false
	}
	for _, g := range ref.grad {
		if !(math.Abs(g) <= math.MaxFloat32/64) {
			return false
		}
	}
	return true
}

func fzValid(t *testing.T, c *fzCase, ref *fzRefOut, tier string, full bool) {
	if c.big && tier != "generic" && c.xmode != 1 && c.xmode != 4 {
		// Known bug: the SIMD tiers add a block's per-pixel values (BCE,
		// focal) in float32 lanes; a block of 1024 equal values is up to
		// 2e-6 off (generic: 1.4e-7). Logits of a few distinct values
		// (modes 0, 2, 3) make such blocks.
		r := *ref
		r.known = "SIMD block sums of equal values"
		ref = &r
	}
	var ws Workspace
	defer ws.Close()
	v, err := c.forward(&ws)
	if err != nil {
		t.Fatalf("%v [%s]: Forward: %v", c, tier, err)
	}
	ok, compared := fzValueOK(v, ref)
	if !ok {
		t.Fatalf("%v [%s]: value %.17g, reference %.17g (|diff| %.3g, tolerance %.3g + %.3g, sensitivity %.3g)",
			c, tier, v, ref.value, math.Abs(v-ref.value), goldenValueRel*ref.mag, goldenValueAbs*ref.scale, ref.cond)
	}
	grad := make([]float32, len(c.x))
	for i := range grad {
		grad[i] = float32(math.NaN()) // every element is overwritten
	}
	vb, err := c.backward(&ws, grad)
	if errors.Is(err, ErrRange) {
		// The gradient does not fit float32: allowed only where the
		// reference's scales or coefficients are near or beyond it; the
		// value comes with the error, the gradient is not written.
		if !fzRangeOK(v, ref) {
			t.Fatalf("%v [%s]: Backward: %v, but the reference's gradient scales are %.3g, %.3g", c, tier, err, ref.scaleMax, ref.coefMax)
		}
		if math.Float64bits(v) != math.Float64bits(vb) {
			t.Fatalf("%v [%s]: Backward's value with ErrRange %v, Forward's %v", c, tier, vb, v)
		}
		// Multiclass's Backward (not BackwardSoft) sets it to 0 (its first
		// pass may have stored the probabilities there).
		zeroed := !c.bin && !c.soft
		for i, g := range grad {
			if zeroed && g != 0 {
				t.Fatalf("%v [%s]: Backward with ErrRange left grad[%d] = %v, want 0", c, tier, i, g)
			}
			if !zeroed && !math.IsNaN(float64(g)) {
				t.Fatalf("%v [%s]: Backward with ErrRange wrote grad[%d] = %v", c, tier, i, g)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("%v [%s]: Backward: %v", c, tier, err)
	}
	if math.Float64bits(v) != math.Float64bits(vb) {
		t.Fatalf("%v [%s]: Backward's value %v, Forward's %v", c, tier, vb, v)
	}
	gradFinite := fzGradFinite(v, ref)
	fzCheckGradient(t, c, ref, tier, "Backward", grad, gradFinite)
	if compared && gradFinite {
		fzCompareGradient(t, c, ref, tier, "Backward", grad)
	}
	if !full {
		return
	}
	if c.big {
		// Bit-identical for any worker count. (The big inputs are for the
		// parallel passes; the rest is checked on small ones.)
		w := c.workers
		c.setWorkers(1)
		v1, err := c.forward(&ws)
		c.setWorkers(w)
		if err != nil || math.Float64bits(v1) != math.Float64bits(v) {
			t.Fatalf("%v [%s]: Forward with 1 worker: %v, %v; with %d: %v", c, tier, v1, err, w, v)
		}
		return
	}
	if c.soft { // Forward and Backward only (no Pixelwise, no shard API)
		fzValidCentral(t, c, ref, tier, grad, compared, gradFinite)
		return
	}
	if c.wts == nil { // (Pixelwise takes no weights)
		fzCheckPixelwise(t, c, ref, &ws, tier)
	}

	if !c.bin && c.m.Activation == NoActivation {
		// Forward and Backward only: the shard calls are ErrOption.
		var st Stats
		if err := st.Reset(c.sh.N, c.sh.C); err != nil {
			t.Fatal(err)
		}
		if err := c.accumulate(&ws, &st, 0, c.sh.N); !errors.Is(err, ErrOption) {
			t.Fatalf("%v [%s]: Accumulate with NoActivation: %v, want ErrOption", c, tier, err)
		}
		if _, err := c.gradient(&ws, &st, 0, c.sh.N, make([]float32, len(c.x))); !errors.Is(err, ErrOption) {
			t.Fatalf("%v [%s]: Gradient with NoActivation: %v, want ErrOption", c, tier, err)
		}
		fzValidCentral(t, c, ref, tier, grad, compared, gradFinite)
		return
	}

	// Statistics of two shards, merged, against the reference too.
	N := c.sh.N
	split := N / 2
	var st, st2 Stats
	if err := st.Reset(N, c.sh.C); err != nil {
		t.Fatal(err)
	}
	if err := st2.Reset(N, c.sh.C); err != nil {
		t.Fatal(err)
	}
	if split > 0 {
		if err := c.accumulate(&ws, &st, 0, split); err != nil {
			t.Fatalf("%v [%s]: Accumulate: %v", c, tier, err)
		}
	}
	if err := c.accumulate(&ws, &st2, split, N); err != nil {
		t.Fatalf("%v [%s]: Accumulate: %v", c, tier, err)
	}
	if err := st.Merge(&st2); err != nil {
		t.Fatalf("%v [%s]: Merge: %v", c, tier, err)
	}
	vs, err := c.value(&ws, &st)
	if err != nil {
		t.Fatalf("%v [%s]: Value: %v", c, tier, err)
	}
	if ok, _ := fzValueOK(vs, ref); !ok {
		t.Fatalf("%v [%s]: Value of merged Stats %.17g, reference %.17g (|diff| %.3g, tolerance %.3g + %.3g, sensitivity %.3g)",
			c, tier, vs, ref.value, math.Abs(vs-ref.value), goldenValueRel*ref.mag, goldenValueAbs*ref.scale, ref.cond)
	}
	g2 := make([]float32, len(c.x))
	CS := c.sh.C * c.sh.S
	for _, r := range [][2]int{{0, split}, {split, N}} {
		if r[0] == r[1] {
			continue
		}
		vg, err := c.gradient(&ws, &st, r[0], r[1], g2[r[0]*CS:r[1]*CS])
		if errors.Is(err, ErrRange) && fzRangeOK(vs, ref) {
			return
		}
		if err != nil {
			t.Fatalf("%v [%s]: Gradient: %v", c, tier, err)
		}
		if math.Float64bits(vg) != math.Float64bits(vs) {
			t.Fatalf("%v [%s]: Gradient's value %v, Value's %v", c, tier, vg, vs)
		}
	}
	fzCheckGradient(t, c, ref, tier, "Gradient", g2, fzGradFinite(vs, ref))
	if ok, compared := fzValueOK(vs, ref); ok && compared && fzGradFinite(vs, ref) {
		fzCompareGradient(t, c, ref, tier, "Gradient", g2)
	}

	fzValidCentral(t, c, ref, tier, grad, compared, gradFinite)
}

// fzValidCentral compares Backward's gradient grad with central
// differences of the reference, where they mean something.
func fzValidCentral(t *testing.T, c *fzCase, ref *fzRefOut, tier string, grad []float32, compared, gradFinite bool) {
	if compared && ref.tame && len(c.x) <= 64 && gradFinite && fzModest(c.x) {
		x64 := to64(c.x)
		val := func(x []float64) float64 { return c.ref(x, false).value }
		fzCentral(t, c, tier, val, x64, ref, grad)
	}
}

func (c *fzCase) setWorkers(w int) {
	if c.bin {
		c.b.Workers = w
	} else {
		c.m.Workers = w
	}
}

// fzModest reports whether every logit is within [-20, 20], where central
// differences of step 1e-4 resolve the gradient and float32 exp neither
// underflows nor saturates.
func fzModest(x []float32) bool {
	for _, v := range x {
		if !(math.Abs(float64(v)) <= 20) {
			return false
		}
	}
	return true
}

// fzCheckGradient checks a gradient: finite when it must be, exactly 0 at
// ignored pixels.
func fzCheckGradient(t *testing.T, c *fzCase, ref *fzRefOut, tier, call string, g []float32, mustFinite bool) {
	t.Helper()
	if mustFinite {
		for i, v := range g {
			if !fzFinite(float64(v)) {
				t.Fatalf("%v [%s]: %s: gradient[%d] = %v with a finite value (reference %v)", c, tier, call, i, v, ref.grad[i])
			}
		}
	}
	if c.bin {
		return
	}
	ign, set := c.m.Ignore.Label()
	if !set {
		return
	}
	N, C, S := c.sh.N, c.sh.C, c.sh.S
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			if refLabel(c.lab, n*S+i) != ign {
				continue
			}
			for k := 0; k < C; k++ {
				if v := g[(n*C+k)*S+i]; v != 0 {
					t.Fatalf("%v [%s]: %s: gradient %v at ignored pixel %d of image %d, class %d", c, tier, call, v, i, n, k)
				}
			}
		}
	}
}

// fzCompareGradient compares a gradient with the analytic reference:
// within 1e-6 of the largest reference magnitude (the golden tests'
// tolerance) plus a few float32 roundings of the gradient coefficients (an
// element whose exact gradient cancels keeps them: p_y - 1 of a confident
// pixel, 0 for C = 1) and a few float64 roundings of the parts of the
// region coefficients (a coefficient that cancels to 0 in float64 keeps
// those, times the class weight), where the value is well-conditioned
// (cond small against its magnitude, not just against the absolute
// tolerance) and so are the region coefficients (gcond: f^Gamma with
// Gamma < 2 near f = 0, say, has a value of nothing and a derivative that
// float32 sums move by orders of magnitude).
func fzCompareGradient(t *testing.T, c *fzCase, ref *fzRefOut, tier, call string, g []float32) {
	t.Helper()
	if !(ref.cond <= goldenValueRel/2*ref.mag) || fzKnownBugs && ref.known != "" {
		return
	}
	tol := goldenGradRel*fzAbsMax(ref.grad) + 0x1p-22*ref.gscale + 0x1p-48*ref.gparts + 0x1p-126
	if !(ref.gcond <= tol/2) { // the coefficients are ill-conditioned
		return
	}
	for i, v := range g {
		if d := math.Abs(float64(v) - ref.grad[i]); !(d <= tol) {
			t.Fatalf("%v [%s]: %s: gradient[%d] = %g, reference %g (|diff| %.3g > %.3g)", c, tier, call, i, v, ref.grad[i], d, tol)
		}
	}
}

// fzCheckPixelwise compares Pixelwise with the reference's per-pixel
// values (ErrOption with a Region term).
func fzCheckPixelwise(t *testing.T, c *fzCase, ref *fzRefOut, ws *Workspace, tier string) {
	n := c.sh.Len()
	if !c.bin {
		n = c.sh.N * c.sh.S
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	err := c.pixelwise(ws, out)
	if ref.pix == nil {
		if !errors.Is(err, ErrOption) {
			t.Fatalf("%v [%s]: Pixelwise with a Region term: %v, want ErrOption", c, tier, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%v [%s]: Pixelwise: %v", c, tier, err)
	}
	if !(ref.kmax <= fzKernelMax) {
		return
	}
	for i, want := range ref.pix {
		if !(math.Abs(want) <= math.MaxFloat32/2) {
			continue
		}
		got := float64(out[i])
		// out is float32: values below its range round to 0 or a denormal.
		tol := goldenValueRel*math.Abs(want) + goldenValueAbs*ref.pscale + 0x1p-149
		if !(ref.pixCond[i] <= tol/2) || fzKnownBugs && !(ref.pixKnown[i] <= tol/2) {
			continue
		}
		if !(math.Abs(got-want) <= tol) {
			t.Fatalf("%v [%s]: Pixelwise[%d] = %.9g, reference %.9g (|diff| %.3g)", c, tier, i, got, want, math.Abs(got-want))
		}
	}
}

// fzCentral compares the gradient with central differences of the
// reference (checkGrad's step and relative tolerance), and the analytic
// reference gradient with them too.
func fzCentral(t *testing.T, c *fzCase, tier string, f func([]float64) float64, x []float64, ref *fzRefOut, g []float32) {
	const h = 1e-4
	num := make([]float64, len(x))
	gmax, fmax := 0.0, 0.0
	for i := range x {
		xi := x[i]
		x[i] = xi + h
		fp := f(x)
		x[i] = xi - h
		fm := f(x)
		x[i] = xi
		num[i] = (fp - fm) / (2 * h)
		gmax = math.Max(gmax, math.Abs(num[i]))
		fmax = math.Max(fmax, math.Max(math.Abs(fp), math.Abs(fm)))
	}
	// checkGrad's floor is for coefficients of about 1/count; here it is
	// a few float32 roundings of the coefficients (an element whose exact
	// gradient cancels to 0 keeps them), and float32's normal range, below
	// which the scales round to 0.
	// The last term is the differences' own rounding: the float64 values
	// f(x±h) carry a few ulps of |f| each, divided by 2h (it exceeded the
	// relative term on a tame input of tiny gradients, 4e-11, found by the
	// fuzzer: a squared log-Tversky at weight 0.001).
	tol := 1e-5*gmax + 0x1p-22*ref.gscale + 0x1p-48*ref.gparts + 0x1p-126 + 8*0x1p-52*fmax/h
	if !(ref.gcond <= tol/2) { // the coefficients are ill-conditioned
		return
	}
	// Where the analytic reference itself is off the differences, the
	// differences are not to be trusted on this input (the reference's
	// value function rounds like the kernels, and a gradient of 4e-11
	// picked up that noise, 2e-5 relative, on an input the fuzzer found):
	// the library's gradient is then compared with the analytic reference
	// alone (fzCompareGradient), and this input is logged, not failed.
	// The reference must agree within half the tolerance, as gcond above:
	// a reference that used up nearly all of it left the kernel's float32
	// rounding no room (seed 11a3c8cf99ad2c1a: a gradient of 1.6e-11, the
	// reference 0.995 of the tolerance off the differences, the kernel,
	// 1.7e-8 relative from the reference, 1.007 of it).
	for i := range x {
		if d := math.Abs(ref.grad[i] - num[i]); !(d <= tol/2) {
			t.Logf("%v [%s]: reference grad[%d] = %g, central difference %g (|diff| %g > %g): differences not used", c, tier, i, ref.grad[i], num[i], d, tol)
			return
		}
	}
	for i := range x {
		if d := math.Abs(float64(g[i]) - num[i]); !(d <= tol) {
			t.Fatalf("%v [%s]: grad[%d] = %g, central difference %g (|diff| %g > %g; analytic reference %g)", c, tier, i, g[i], num[i], d, tol, ref.grad[i])
		}
	}
}
