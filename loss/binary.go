package loss

import (
	"fmt"
	"math"

	"github.com/segloss/segloss/internal/kernels"
)

// Binary is a sigmoid segmentation loss: a weighted sum of at most one BCE,
// at most one SigmoidFocal and any number of Region terms, over logits of
// shape N x C x S (C = 1 for binary segmentation, C > 1 for multi-label) and
// float targets in [0, 1] of the same shape (soft labels allowed).
//
// The zero value has no terms; a call on it returns ErrOption.
type Binary struct {
	Terms []Weighted
	// Activation is FromLogits (the default: the inputs are logits and p =
	// sigmoid(x)) or NoActivation (the inputs are probabilities p in [0, 1],
	// MONAI's sigmoid=False: a BCE term is torch's binary_cross_entropy,
	// each log clamped at -100, with its gradient (p - y) / max(p(1-p),
	// 1e-12); region terms take p as it is; gradients are d(loss)/dp; a
	// SigmoidFocal term is ErrOption, since torchvision's and MONAI's focal
	// losses take logits). Inputs outside [0, 1] are ErrLabel; NaN
	// propagates.
	Activation Activation
	// Workers is the number of goroutines a call may use (0: GOMAXPROCS).
	// Inputs under about 128k logits stay on the caller's goroutine. The
	// result is bit-identical for any Workers and any GOMAXPROCS.
	Workers int
}

// bnPlan is a validated Binary, with copies of its terms.
type bnPlan struct {
	bce, focal bool
	bceT       BCE
	focalT     SigmoidFocal
	wBCE, wFoc float64
	regions    []Region
	wRegions   []float64
	need       kernels.Flags
	probs      bool // the inputs are probabilities (NoActivation)
}

func (b *Binary) plan(sh Shape, p *bnPlan) error {
	*p = bnPlan{regions: p.regions[:0], wRegions: p.wRegions[:0]}
	if len(b.Terms) == 0 {
		return fmt.Errorf("%w: Binary has no terms", ErrOption)
	}
	switch b.Activation {
	case FromLogits:
	case NoActivation:
		p.probs = true
	default:
		return fmt.Errorf("%w: Binary.Activation %v, want FromLogits or NoActivation", ErrOption, b.Activation)
	}
	for i, t := range b.Terms {
		if err := checkTermWeight(t.Weight, i); err != nil {
			return err
		}
		var bce, focal, region bool
		switch v := t.Term.(type) {
		case BCE:
			bce, p.bceT = true, v
		case *BCE:
			bce = v != nil
			if bce {
				p.bceT = *v
			}
		case SigmoidFocal:
			focal, p.focalT = true, v
		case *SigmoidFocal:
			focal = v != nil
			if focal {
				p.focalT = *v
			}
		case Region:
			region = true
			p.regions = append(p.regions, v)
		case *Region:
			region = v != nil
			if region {
				p.regions = append(p.regions, *v)
			}
		}
		switch {
		case bce:
			if p.bce {
				return fmt.Errorf("%w: Binary has more than one BCE term", ErrOption)
			}
			p.bce, p.wBCE = true, t.Weight
			p.need |= kernels.NeedCE
		case focal:
			if p.focal {
				return fmt.Errorf("%w: Binary has more than one SigmoidFocal term", ErrOption)
			}
			p.focal, p.wFoc = true, t.Weight
			p.need |= kernels.NeedFocal
		case region:
			p.wRegions = append(p.wRegions, t.Weight)
		default:
			return fmt.Errorf("%w: term %d: %T is not a Binary term (want BCE, SigmoidFocal or Region)", ErrOption, i, t.Term)
		}
	}
	if p.bce {
		if err := p.bceT.Reduction.check("BCE"); err != nil {
			return err
		}
		if p.bceT.Reduction == PixelMean {
			return fmt.Errorf("%w: BCE: PixelMean is for CrossEntropy; use Mean", ErrOption)
		}
		if err := checkWeights(p.bceT.PosWeight, sh.C, "BCE.PosWeight", maxWeight); err != nil {
			return err
		}
	}
	if p.focal {
		if p.probs {
			return fmt.Errorf("%w: SigmoidFocal takes logits (torchvision's sigmoid_focal_loss, MONAI's FocalLoss); Binary.Activation is NoActivation", ErrOption)
		}
		if err := p.focalT.Reduction.check("SigmoidFocal"); err != nil {
			return err
		}
		if p.focalT.Reduction == PixelMean {
			return fmt.Errorf("%w: SigmoidFocal: PixelMean is for CrossEntropy; use Mean", ErrOption)
		}
		if err := checkExponent(p.focalT.Gamma, "SigmoidFocal.Gamma"); err != nil {
			return err
		}
		if a := p.focalT.Alpha; !(a < 0 || a <= 1) || math.IsInf(a, -1) {
			return fmt.Errorf("%w: SigmoidFocal.Alpha = %v, want a value in [0, 1], or negative for none", ErrOption, a)
		}
	}
	for i := range p.regions {
		r := &p.regions[i]
		if err := r.check(sh.C); err != nil {
			return err
		}
		p.need |= kernels.NeedRegion
		if r.Squared {
			p.need |= kernels.NeedSquared
		}
		if r.SoftLabel {
			p.need |= kernels.NeedAbsDiff
		}
	}
	return nil
}

// Forward returns the loss value. Bad input (see the package doc's
// Contracts) returns an error and 0; ws may be a copy of a Workspace
// another goroutine is using, in which case the call returns ErrBusy.
func (b *Binary) Forward(ws *Workspace, logits, targets []float32, sh Shape) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.run(w, logits, targets, nil, sh, nil)
}

// ForwardWeighted is Forward with a weight per element: weights (length
// N*C*S, each finite, >= 0 and at most 2^64) multiply every element's part
// of every term. A BCE or SigmoidFocal term sums w*l (torch's
// binary_cross_entropy_with_logits(x, y, weight=w)) and divides by its
// Reduction's divisor: Mean keeps the element count ((w*l).mean()),
// WeightMean takes the sum of the weights ((w*l).sum()/w.sum(); 0 when
// every weight is 0), Sum and None none. A Region term takes its sums over
// weighted elements (sum w*p*y, sum w*p, sum w*y, and w*p^2, w*y^2 when
// Squared): a 0/1 map is MONAI's MaskedDiceLoss mask, and zero weights
// exclude elements from every term, as an ignore index would (but a NaN
// input at a zero weight still gives NaN, 0·NaN, as torch's w*l does; a
// Multiclass's ignored pixels take no part even then). The weights
// go through the same fused passes as one more streaming input. An MCC
// term takes no weights (ErrOption).
func (b *Binary) ForwardWeighted(ws *Workspace, logits, targets, weights []float32, sh Shape) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*C*S = %d elements (or call Forward)", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.run(w, logits, targets, weights, sh, nil)
}

// BackwardWeighted is Backward with a weight per element, as
// ForwardWeighted takes them: every element's gradient is w times its
// gradient in the weighted loss's sums (so a zero weight gives a zero
// gradient). grad must not overlap the logits, targets or weights. On
// error grad is as Backward leaves it.
func (b *Binary) BackwardWeighted(ws *Workspace, logits, targets, weights []float32, sh Shape, grad []float32) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*C*S = %d elements (or call Backward)", ErrLength, sh.Len())
	}
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.run(w, logits, targets, weights, sh, grad)
}

// Backward returns the loss value and writes d(loss)/d(logits) into grad
// (length N*C*S; every element is overwritten). grad must not overlap the
// logits or the targets (ErrOption). On any error nothing is written into
// grad, but one: a loss of BCE and SigmoidFocal terms only runs a single
// pass that checks the targets (and NoActivation inputs) while it writes
// the gradient, so a target (or input) outside [0, 1] returns ErrLabel with
// every element of grad set to 0. With a Region term the statistics pass
// checks them before the gradient pass runs, and grad is untouched.
func (b *Binary) Backward(ws *Workspace, logits, targets []float32, sh Shape, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.run(w, logits, targets, nil, sh, grad)
}

// check validates a call (weights nil for an unweighted one) and leaves in
// ws.wTotal the divisor of WeightMean: the sum of the weights, or the
// element count. With fold, it leaves the targets (and NoActivation
// inputs) to the kernels, which report the largest bits they saw (see
// inputsErr): the caller checks the pass's bits with bitsErr, and any
// error check returns after that point comes from late, so that a bad
// target is still the error a call returns first.
func (b *Binary) check(ws *workspace, logits, targets, weights []float32, sh Shape, grad []float32, fold bool) error {
	if err := sh.check(); err != nil {
		return err
	}
	if len(logits) != sh.Len() {
		return fmt.Errorf("%w: logits have %d elements, want N*C*S = %d", ErrLength, len(logits), sh.Len())
	}
	if len(targets) != sh.Len() {
		return fmt.Errorf("%w: targets have %d elements, want N*C*S = %d", ErrLength, len(targets), sh.Len())
	}
	if grad != nil && len(grad) != sh.Len() {
		return fmt.Errorf("%w: gradient has %d elements, want N*C*S = %d", ErrLength, len(grad), sh.Len())
	}
	if weights != nil && len(weights) != sh.Len() {
		return fmt.Errorf("%w: weights have %d elements, want N*C*S = %d", ErrLength, len(weights), sh.Len())
	}
	if err := checkAlias(grad, "the gradient", logits, targets, weights); err != nil {
		return err
	}
	if err := b.plan(sh, &ws.bn); err != nil {
		return err
	}
	if !fold {
		if err := ws.inputsErr(logits, targets); err != nil {
			return err
		}
	}
	ws.ceFactor = 1
	for _, v := range ws.bn.bceT.PosWeight {
		ws.ceFactor = max(ws.ceFactor, float64(v))
	}
	if ws.bn.probs {
		ws.ceFactor *= 1e12
	}
	ws.wTotal = float64(sh.Len())
	if weights != nil {
		for i := range ws.bn.regions {
			if ws.bn.regions[i].Kind == MCCRatio {
				return ws.late(fold, logits, targets, fmt.Errorf("%w: MCC takes no element weights (its true negatives need per-plane weight sums)", ErrOption))
			}
		}
		mx, err := checkElementWeights(weights)
		if err != nil {
			return ws.late(fold, logits, targets, err)
		}
		ws.wMax = mx
		if p := &ws.bn; (p.bce && p.bceT.Reduction == WeightMean) || (p.focal && p.focalT.Reduction == WeightMean) {
			ws.wTotal = sum4(weights)
		}
	}
	return nil
}

// inputsErr returns the error of a Binary call's targets, then of its
// inputs when they are probabilities (NoActivation): checkTargets' and
// checkProbs'. A call that folds the check into its kernels runs it only
// when their bits are not all in [+0, 1] (bitsErr), or before it returns
// another error found before its first pass (late).
func (ws *workspace) inputsErr(logits, targets []float32) error {
	if err := checkTargets(targets); err != nil {
		return err
	}
	if ws.bn.probs {
		return checkProbs(logits)
	}
	return nil
}

// bitsErr returns the error of a pass whose kernels saw the largest bits
// bits (kernels.SigmoidSums.Bits) of the targets (and probability inputs):
// nil when they are all in [+0, 1], else inputsErr's exact scan, which
// names the first bad value (and is nil for what only the bits reject: -0,
// and NaN inputs, which propagate).
func (ws *workspace) bitsErr(bits uint32, logits, targets []float32) error {
	if kernels.BitsOK(bits) {
		return nil
	}
	return ws.inputsErr(logits, targets)
}

// late returns err, an error found after check's targets would have been
// checked, unless fold left them to the kernels and they are bad: then
// their error, as a call that checks them first returns.
func (ws *workspace) late(fold bool, logits, targets []float32, err error) error {
	if fold {
		if e := ws.inputsErr(logits, targets); e != nil {
			return e
		}
	}
	return err
}

// maxBits returns the largest bit pattern of x's floats as unsigned
// integers: at most the bits of 1 exactly when every value is in [+0, 1].
func maxBits(x []float32) uint32 {
	var m0, m1, m2, m3 uint32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		t := x[i : i+4 : i+4]
		m0 = max(m0, math.Float32bits(t[0]))
		m1 = max(m1, math.Float32bits(t[1]))
		m2 = max(m2, math.Float32bits(t[2]))
		m3 = max(m3, math.Float32bits(t[3]))
	}
	for ; i < len(x); i++ {
		m0 = max(m0, math.Float32bits(x[i]))
	}
	return max(m0, m1, m2, m3)
}

// checkElementWeights returns the largest of the per-element (or
// per-pixel) weights, or an error naming the first that is negative, NaN,
// infinite or above 2^64. The common case takes maxBits' one branch-free
// pass: as unsigned integers, the bits of the floats in [+0, 2^64] are
// exactly those <= the bits of 2^64, and the largest bits are the largest
// weight; only when that fails does the exact scan run (which also accepts
// -0).
func checkElementWeights(w []float32) (float64, error) {
	if mb := maxBits(w); mb <= math.Float32bits(maxWeight) {
		return float64(math.Float32frombits(mb)), nil
	}
	var mx float64
	for i, v := range w {
		if !(v >= 0) || float64(v) > maxWeight {
			return 0, fmt.Errorf("%w: weight %v at index %d, want a finite value in [0, 2^64]", ErrWeight, v, i)
		}
		mx = max(mx, float64(v))
	}
	return mx, nil
}

// sum4 returns the sum of w in float64 over four interleaved partial sums
// (a fixed order: the same bits on every call and machine).
func sum4(w []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(w); i += 4 {
		t := w[i : i+4 : i+4]
		s0 += float64(t[0])
		s1 += float64(t[1])
		s2 += float64(t[2])
		s3 += float64(t[3])
	}
	for ; i < len(w); i++ {
		s0 += float64(w[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// checkTargets returns an error naming the first target outside [0, 1]
// (NaN included). The common case, every target in range, takes one
// branch-free pass: as unsigned integers, the bits of the floats in [+0, 1]
// are exactly those <= the bits of 1 (negative values, -0 included, and NaN
// are above them); only when that fails does the exact scan run, which also
// accepts -0.
func checkTargets(targets []float32) error {
	if maxBits(targets) <= math.Float32bits(1) {
		return nil
	}
	for i, v := range targets {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: target %v at index %d, want a value in [0, 1]", ErrLabel, v, i)
		}
	}
	return nil
}

// checkProbs returns an error naming the first input outside [0, 1] of a
// NoActivation loss; NaN passes (it propagates to the value), as does -0.
// The common case takes checkTargets' one branch-free pass.
func checkProbs(x []float32) error {
	if maxBits(x) <= math.Float32bits(1) {
		return nil
	}
	for i, v := range x {
		if v < 0 || v > 1 {
			return fmt.Errorf("%w: input %v at index %d, want a probability in [0, 1] (the Activation is NoActivation)", ErrLabel, v, i)
		}
	}
	return nil
}

func (p *bnPlan) params(c int) kernels.SigmoidParams {
	prm := kernels.SigmoidParams{Need: p.need, PosWeight: 1, FocalAlpha: -1, Probs: p.probs}
	if p.bce && p.bceT.PosWeight != nil {
		prm.PosWeight = p.bceT.PosWeight[c]
	}
	if p.focal {
		prm.FocalAlpha = float32(p.focalT.Alpha)
		prm.FocalGamma = float32(p.focalT.Gamma)
	}
	return prm
}

func (b *Binary) run(ws *workspace, logits, targets, weights []float32, sh Shape, grad []float32) (float64, error) {
	if err := b.check(ws, logits, targets, weights, sh, grad, true); err != nil {
		return 0, err
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	pooled := sh.S < poolMaxS && !ws.bn.perImage()
	if pooled {
		ws.st.reset(1, sh.C) // the batch's sums: no per-image statistics
	} else {
		ws.st.reset(sh.N, sh.C)
	}
	ws.st.kind = kindSigmoid
	if grad != nil && len(ws.bn.regions) == 0 {
		if err := b.fusedScales(ws, sh); err != nil {
			// The gradient does not fit float32: the value alone (nothing
			// written into grad).
			if err := b.accumulate(ws, &ws.st, logits, targets, sh, 0, pooled); err != nil {
				return 0, err
			}
			return b.finalize(ws, &ws.st, false), err
		}
		if err := b.fused(ws, &ws.st, logits, targets, sh, grad, pooled); err != nil {
			return 0, err
		}
		return b.finalize(ws, &ws.st, false), nil
	}
	if err := b.accumulate(ws, &ws.st, logits, targets, sh, 0, pooled); err != nil {
		return 0, err
	}
	value := b.finalize(ws, &ws.st, grad != nil)
	if grad != nil {
		if err := ws.gradRange(float64(ws.ceScale), float64(ws.focScale), ws.st.N*ws.st.C); err != nil {
			return value, err
		}
		b.gradient(ws, logits, targets, sh, 0, grad, pooled)
	}
	return value, nil
}

// Accumulate adds the statistics of a shard to st: sh.N images whose index
// in the whole batch starts at first, with their targets (a tile of images
// is a shard too). st must have been Reset for the whole batch. first < 0,
// or images first..first+N-1 outside st's images, is ErrShape; on any error
// st is unchanged. AccumulateWeighted and GradientWeighted take
// per-element weights.
func (b *Binary) Accumulate(ws *Workspace, st *Stats, logits, targets []float32, sh Shape, first int) error {
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return b.accumulateImpl(w, st, logits, targets, nil, sh, first)
}

// AccumulateWeighted is Accumulate with per-element weights (N*C*S, the
// shard's targets' layout), as ForwardWeighted takes them: merged Stats of
// weighted shards give ForwardWeighted's value of the whole batch (within
// float64 rounding), WeightMean's divisor included.
func (b *Binary) AccumulateWeighted(ws *Workspace, st *Stats, logits, targets, weights []float32, sh Shape, first int) error {
	if weights == nil {
		return fmt.Errorf("%w: weights are nil, want N*C*S = %d elements (or call Accumulate)", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return b.accumulateImpl(w, st, logits, targets, weights, sh, first)
}

func (b *Binary) accumulateImpl(ws *workspace, st *Stats, logits, targets, weights []float32, sh Shape, first int) error {
	if err := b.check(ws, logits, targets, weights, sh, nil, true); err != nil {
		return err
	}
	if err := st.check(first, sh.N, sh.C, kindSigmoid); err != nil {
		return ws.late(true, logits, targets, err)
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	if err := b.accumulate(ws, st, logits, targets, sh, first, false); err != nil {
		return err
	}
	st.kind = kindSigmoid
	return nil
}

// Value returns the loss value of (merged) statistics. A nil Stats, one
// never Reset or hand-built with N, C and Data that disagree, or one of
// the other kind of loss, is an error; st is only read.
func (b *Binary) Value(ws *Workspace, st *Stats) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.valueImpl(w, st)
}

func (b *Binary) valueImpl(ws *workspace, st *Stats) (float64, error) {
	if st == nil {
		return 0, fmt.Errorf("%w: nil Stats", ErrOption)
	}
	if err := st.check(0, 0, st.C, kindSigmoid); err != nil {
		return 0, err
	}
	if err := b.plan(Shape{st.N, st.C, 1}, &ws.bn); err != nil {
		return 0, err
	}
	return b.finalize(ws, st, false), nil
}

// Gradient writes into grad the gradient of the loss of (merged) statistics
// st with respect to the logits of one shard (as given to Accumulate), and
// returns the loss value. The arguments are checked as Accumulate's and
// Backward's (grad must not overlap the inputs); on any error nothing is
// written into grad, but one: the gradient pass checks the targets (and
// NoActivation inputs) as it writes grad, so a target (or input) outside
// [0, 1] returns ErrLabel with every element of grad set to 0.
func (b *Binary) Gradient(ws *Workspace, st *Stats, logits, targets []float32, sh Shape, first int, grad []float32) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.gradientImpl(w, st, logits, targets, nil, sh, first, grad)
}

// GradientWeighted is Gradient with per-element weights of the shard (as
// AccumulateWeighted took them): every gradient element is w times its
// gradient, as BackwardWeighted's.
func (b *Binary) GradientWeighted(ws *Workspace, st *Stats, logits, targets, weights []float32, sh Shape, first int, grad []float32) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*C*S = %d elements (or call Gradient)", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return b.gradientImpl(w, st, logits, targets, weights, sh, first, grad)
}

func (b *Binary) gradientImpl(ws *workspace, st *Stats, logits, targets, weights []float32, sh Shape, first int, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	if err := b.check(ws, logits, targets, weights, sh, grad, true); err != nil {
		return 0, err
	}
	if err := st.check(first, sh.N, sh.C, kindSigmoid); err != nil {
		return 0, ws.late(true, logits, targets, err)
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	value := b.finalize(ws, st, true)
	if err := ws.gradRange(float64(ws.ceScale), float64(ws.focScale), st.N*st.C); err != nil {
		if e := ws.inputsErr(logits, targets); e != nil {
			return 0, e
		}
		return value, err
	}
	bits := b.gradient(ws, logits, targets, sh, first, grad, false)
	if ws.bn.probs {
		// A plane whose gradient is a*y + b alone is written without
		// reading its probabilities (kernels.SigmoidGrad): their bits are
		// taken here.
		bits = max(bits, maxBits(logits))
	}
	if !kernels.BitsOK(bits) {
		if err := ws.inputsErr(logits, targets); err != nil {
			clear(grad)
			return 0, err
		}
	}
	return value, nil
}

// accumulate runs the statistics pass over the chunks of every plane of the
// shard and adds the chunk sums to st in chunk order; when the pass's bits
// reject the targets (or inputs), it returns their error instead and
// leaves st as it was.
func (b *Binary) accumulate(ws *workspace, st *Stats, logits, targets []float32, sh Shape, first int, pooled bool) error {
	C := sh.C
	g := sigmoidGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(b.Workers, sh, chunks)
	ws.growWorkers(workers, C, chunks, g.poolLen(sh, true), true)
	ws.job = job{ws: ws, kind: sigmoidStats, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, logits: logits, targets: targets, weights: ws.weights}
	bits := ws.runJob(&ws.job, workers)
	ws.job = job{}
	if err := ws.bitsErr(bits, logits, targets); err != nil {
		return err
	}

	P, PY, Y, PP, YY, AD := st.block(sP), st.block(sPY), st.block(sY), st.block(sPP), st.block(sYY), st.block(sAD)
	for i := 0; i < chunks; i++ {
		r := g.plane(first, C, i)
		t := &ws.sgChunks[i]
		P[r] += t.P
		PY[r] += t.PY
		Y[r] += t.Y
		PP[r] += t.PP
		YY[r] += t.YY
		AD[r] += t.AD
		st.addScalar(sCE, t.BCE)
		st.addScalar(sFocal, t.Focal)
	}
	st.addScalar(sValid, float64(sh.Len()))
	st.addScalar(sWV, ws.wTotal)
	return nil
}

// fusedScales leaves in ws the gradient scales of the single pass of a
// loss whose terms are all pixelwise (BCE, sigmoid focal), which depend
// only on the element count (or weight sum), or returns the error of a
// gradient that does not fit float32.
func (b *Binary) fusedScales(ws *workspace, sh Shape) error {
	p := &ws.bn
	total := float64(sh.Len())
	ws.ceScale, ws.focScale = 0, 0
	if d := bnDivisor(p.bceT.Reduction, ws.wTotal, total); p.bce && d != 0 {
		ws.ceScale = float32(p.wBCE / d)
	}
	if d := bnDivisor(p.focalT.Reduction, ws.wTotal, total); p.focal && d != 0 {
		ws.focScale = float32(p.wFoc / d)
	}
	return ws.gradRange(float64(ws.ceScale), float64(ws.focScale), 0)
}

// fused is the single pass of a loss whose terms are all pixelwise, with
// fusedScales' scales: it writes the gradient and adds the BCE and focal
// sums to st, the same sums as accumulate's, in the same chunk order. When
// the pass's bits reject the targets (or inputs), it sets grad to 0 and
// returns their error, st left as it was.
func (b *Binary) fused(ws *workspace, st *Stats, logits, targets []float32, sh Shape, grad []float32, pooled bool) error {
	C := sh.C
	total := float64(sh.Len())
	g := sigmoidGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(b.Workers, sh, chunks)
	ws.growWorkers(workers, C, chunks, g.poolLen(sh, true), true)
	ws.job = job{ws: ws, kind: sigmoidFused, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, logits: logits, targets: targets, weights: ws.weights, grad: grad}
	bits := ws.runJob(&ws.job, workers)
	ws.job = job{}
	if err := ws.bitsErr(bits, logits, targets); err != nil {
		clear(grad)
		return err
	}
	for i := 0; i < chunks; i++ {
		t := &ws.sgChunks[i]
		st.addScalar(sCE, t.BCE)
		st.addScalar(sFocal, t.Focal)
	}
	st.addScalar(sValid, total)
	st.addScalar(sWV, ws.wTotal)
	return nil
}

// bnDivisor returns what a Binary pixelwise term's sum is divided by: the
// element count (Mean), the weight sum wTotal (WeightMean) or 1.
func bnDivisor(r Reduction, wTotal, total float64) float64 {
	switch r {
	case Mean:
		return total
	case WeightMean:
		return wTotal
	}
	return 1
}

// finalize returns the loss value of st and, when coefs, leaves the gradient
// coefficients of every plane in the workspace.
func (b *Binary) finalize(ws *workspace, st *Stats, coefs bool) float64 {
	p := &ws.bn
	N, C := st.N, st.C
	ws.grow(N, C)
	total := st.scalar(sValid)
	wTotal := st.scalar(sWV)
	var value float64
	ws.ceScale, ws.focScale = 0, 0
	if p.bce {
		if d := bnDivisor(p.bceT.Reduction, wTotal, total); d != 0 {
			value += p.wBCE * st.scalar(sCE) / d
			ws.ceScale = float32(p.wBCE / d)
		}
	}
	if p.focal {
		if d := bnDivisor(p.focalT.Reduction, wTotal, total); d != 0 {
			value += p.wFoc * st.scalar(sFocal) / d
			ws.focScale = float32(p.wFoc / d)
		}
	}
	src := regionSrc{st: st}
	if coefs {
		src.ws = ws
	}
	for i := range p.regions {
		src.perImage = p.regions[i].PerImage
		value += p.regions[i].finalize(p.wRegions[i], N, C, src)
	}
	if coefs {
		ws.coefs()
	}
	return value
}

// gradient runs the gradient pass over the chunks of a shard whose first
// image is image first of the statistics finalized last, and returns the
// largest bits its kernels saw (kernels.SigmoidSums.Bits).
func (b *Binary) gradient(ws *workspace, logits, targets []float32, sh Shape, first int, grad []float32, pooled bool) uint32 {
	C := sh.C
	g := sigmoidGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(b.Workers, sh, chunks)
	ws.growWorkers(workers, C, 0, g.poolLen(sh, true), true)
	ws.job = job{ws: ws, kind: sigmoidGrad, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, first: first,
		logits: logits, targets: targets, weights: ws.weights, grad: grad}
	bits := ws.runJob(&ws.job, workers)
	ws.job = job{}
	return bits
}

// Pixelwise writes the weighted sum of the pixelwise terms (BCE,
// SigmoidFocal) of every element into out (length N*C*S) before any
// reduction, as torch's reduction='none' does. It returns ErrOption when the
// loss has a Region term, or when out overlaps the logits or targets; on any
// error nothing is written into out.
func (b *Binary) Pixelwise(ws *Workspace, logits, targets []float32, sh Shape, out []float32) error {
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return b.pixelwiseImpl(w, logits, targets, sh, out)
}

func (b *Binary) pixelwiseImpl(ws *workspace, logits, targets []float32, sh Shape, out []float32) error {
	if err := b.check(ws, logits, targets, nil, sh, nil, false); err != nil {
		return err
	}
	p := &ws.bn
	if len(p.regions) > 0 {
		return fmt.Errorf("%w: Pixelwise needs BCE and SigmoidFocal terms only; a Region term has no per-element value", ErrOption)
	}
	if len(out) != sh.Len() {
		return fmt.Errorf("%w: out has %d elements, want N*C*S = %d", ErrLength, len(out), sh.Len())
	}
	if err := checkAlias(out, "out", logits, targets); err != nil {
		return err
	}
	s := &ws.sgBlk
	for n := 0; n < sh.N; n++ {
		for c := 0; c < sh.C; c++ {
			o := (n*sh.C + c) * sh.S
			ws.sgPrm = p.params(c)
			for i := o; i < o+sh.S; i++ {
				kernels.SigmoidBlock(logits[i:i+1], targets[i:i+1], &ws.sgPrm, s)
				out[i] = float32(p.wBCE*float64(s.BCE) + p.wFoc*float64(s.Focal))
			}
		}
	}
	return nil
}
