package loss

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/segloss/segloss/internal/kernels"
)

// Multiclass is a softmax segmentation loss: a weighted sum of at most one
// CrossEntropy, at most one Focal and any number of Region terms, over
// logits of shape N x C x S and one class index per pixel.
//
// The zero value has no terms; a call on it returns ErrOption.
type Multiclass struct {
	Terms []Weighted
	// Ignore names a label whose pixels take no part in any term.
	Ignore IgnoreIndex
	// Activation is FromLogits (the default: p = softmax(x)) or
	// NoActivation: the inputs are per-class probabilities in [0, 1], used
	// as they are (MONAI's DiceLoss(softmax=False, to_onehot_y=True)); the
	// terms must all be Region terms (ErrOption otherwise: torch's and
	// MONAI's cross entropies take logits), the gradient is d(loss)/dp, and
	// Forward, Backward and their weighted forms take it (Accumulate,
	// Gradient and Pixelwise return ErrOption). Inputs outside [0, 1] are
	// ErrLabel; NaN propagates. The passes run per class plane on the
	// sigmoid family's probability kernels, with the one-hot labels made
	// chunk by chunk.
	Activation Activation
	// Workers is the number of goroutines a call may use (0: GOMAXPROCS).
	// Inputs under about 128k logits stay on the caller's goroutine. The
	// result is bit-identical for any Workers and any GOMAXPROCS.
	Workers int
}

// CombinedLoss returns the chapter's CombinedLoss: wCE * cross entropy + wDice
// * multi-class Dice (the chapter uses 0.5 and 0.5).
func CombinedLoss(wCE, wDice float64) *Multiclass {
	return &Multiclass{Terms: []Weighted{{wCE, &CrossEntropy{}}, {wDice, Dice()}}}
}

// mcPlan is a validated Multiclass, with copies of its terms.
type mcPlan struct {
	ce, focal   bool
	ceT         CrossEntropy
	focalT      Focal
	wCE, wFocal float64
	// wCEPix multiplies a pixel's CE (Pixelwise): wCE times the largest
	// class weight, by which ceT.Weight was normalized into ceW.
	wCEPix   float64
	ceW      []float32
	regions  []Region
	wRegions []float64
	need     kernels.Flags
}

func (m *Multiclass) plan(sh Shape, p *mcPlan) error {
	*p = mcPlan{regions: p.regions[:0], wRegions: p.wRegions[:0], ceW: p.ceW[:0]}
	if len(m.Terms) == 0 {
		return fmt.Errorf("%w: Multiclass has no terms", ErrOption)
	}
	if m.Activation != FromLogits && m.Activation != NoActivation {
		return fmt.Errorf("%w: Multiclass.Activation %v, want FromLogits or NoActivation", ErrOption, m.Activation)
	}
	for i, t := range m.Terms {
		if err := checkTermWeight(t.Weight, i); err != nil {
			return err
		}
		var ce, focal, region bool
		switch v := t.Term.(type) {
		case CrossEntropy:
			ce, p.ceT = true, v
		case *CrossEntropy:
			ce = v != nil
			if ce {
				p.ceT = *v
			}
		case Focal:
			focal, p.focalT = true, v
		case *Focal:
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
		case ce:
			if p.ce {
				return fmt.Errorf("%w: Multiclass has more than one CrossEntropy term", ErrOption)
			}
			p.ce, p.wCE = true, t.Weight
			p.need |= kernels.NeedCE
		case focal:
			if p.focal {
				return fmt.Errorf("%w: Multiclass has more than one Focal term", ErrOption)
			}
			p.focal, p.wFocal = true, t.Weight
			p.need |= kernels.NeedFocal
		case region:
			p.wRegions = append(p.wRegions, t.Weight)
		default:
			return fmt.Errorf("%w: term %d: %T is not a Multiclass term (want CrossEntropy, Focal or Region)", ErrOption, i, t.Term)
		}
	}
	if m.Activation == NoActivation && (p.ce || p.focal) {
		return fmt.Errorf("%w: Multiclass with NoActivation takes Region terms only (CrossEntropy and Focal take logits)", ErrOption)
	}
	if p.ce {
		if err := p.ceT.Reduction.check("CrossEntropy"); err != nil {
			return err
		}
		if err := checkRange(p.ceT.LabelSmoothing, 0, 1, "CrossEntropy.LabelSmoothing"); err != nil {
			return err
		}
		if err := checkWeights(p.ceT.Weight, sh.C, "CrossEntropy.Weight", math.Inf(1)); err != nil {
			return err
		}
		if err := p.normalizeCE(); err != nil {
			return err
		}
	}
	if p.focal {
		if err := p.focalT.Reduction.check("Focal"); err != nil {
			return err
		}
		if p.focalT.Reduction == PixelMean {
			return fmt.Errorf("%w: Focal: PixelMean is for CrossEntropy; Focal's Mean already divides by the pixel count", ErrOption)
		}
		if err := checkExponent(p.focalT.Gamma, "Focal.Gamma"); err != nil {
			return err
		}
		if err := checkWeights(p.focalT.Alpha, sh.C, "Focal.Alpha", maxWeight); err != nil {
			return err
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
	}
	return nil
}

// minWeightRatio is the smallest ratio of a nonzero CE class weight to the
// largest one: the weights are normalized by the largest before they
// become float32, and a smaller ratio would leave float32's normal range.
const minWeightRatio = 0x1p-60

// normalizeCE divides the CE class weights by the largest into p.ceW, so
// that weights of any finite scale (3e38, or 1e-45) reach the float32
// kernels as values in (2^-60, 1]. The Mean reduction is a ratio of
// weighted sums and does not depend on the scale; the other reductions and
// Pixelwise multiply it back in float64 (wCE, wCEPix).
func (p *mcPlan) normalizeCE() error {
	p.wCEPix = p.wCE
	w := p.ceT.Weight
	if w == nil {
		return nil
	}
	mx := float64(slices.Max(w))
	if mx == 0 {
		return nil // every weight 0: the weight sum is 0 and so is the term
	}
	p.ceW = slices.Grow(p.ceW[:0], len(w))[:len(w)]
	for i, v := range w {
		r := float64(v) / mx
		if v != 0 && r < minWeightRatio {
			return fmt.Errorf("%w: CrossEntropy.Weight[%d] = %v is below 2^-60 times the largest weight %v", ErrWeight, i, v, mx)
		}
		p.ceW[i] = float32(r)
	}
	p.ceT.Weight = p.ceW
	p.wCEPix = p.wCE * mx
	if r := p.ceT.Reduction; r != Mean && r != WeightMean {
		p.wCE = p.wCEPix
	}
	return nil
}

// params returns the kernel parameters of the statistics pass.
func (p *mcPlan) params(C int, ign IgnoreIndex, scratch []float32) kernels.SoftmaxParams {
	prm := kernels.SoftmaxParams{C: C, Need: p.need, UseIgnore: ign.set, Ignore: ign.label, Scratch: scratch}
	if p.ce {
		prm.CEWeight = p.ceT.Weight
		prm.Smoothing = float32(p.ceT.LabelSmoothing)
	}
	if p.focal {
		prm.Alpha = p.focalT.Alpha
		prm.Gamma = float32(p.focalT.Gamma)
	}
	return prm
}

// coef returns the gradient pass's parameters: those of the statistics
// pass prm, with the CE and focal gradient scales.
func coef(prm *kernels.SoftmaxParams, ceScale, focScale float32) kernels.SoftmaxCoef {
	return kernels.SoftmaxCoef{
		C: prm.C, UseIgnore: prm.UseIgnore, Ignore: prm.Ignore,
		CEScale: ceScale, CEWeight: prm.CEWeight, Smoothing: prm.Smoothing,
		FocalScale: focScale, Alpha: prm.Alpha, Gamma: prm.Gamma,
		Scratch: prm.Scratch,
	}
}

// Forward returns the loss value. Bad input (see the package doc's
// Contracts) returns an error and 0; ws may be a copy of a Workspace
// another goroutine is using, in which case the call returns ErrBusy.
func (m *Multiclass) Forward(ws *Workspace, logits []float32, labels Labels, sh Shape) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.run(w, logits, labels, nil, sh, nil)
}

// ForwardWeighted is Forward with a weight per pixel: weights (length N*S,
// in the labels' layout; each finite, >= 0 and at most 2^64) multiply every
// pixel's part of every term: U-Net's border weight map (distance.WeightMap)
// for the cross entropy, a 0/1 mask for any term (MONAI's MaskedDiceLoss).
// A CrossEntropy or Focal term sums w*l and divides by its Reduction's
// divisor: Mean keeps the unweighted one (for CrossEntropy the sum of the
// class weights w_y of the non-ignored pixels, torch's; for Focal their
// count), so that (w * l).sum() / w_y.sum() with w = 1 is torch's loss;
// WeightMean takes the weighted one (sum of w*w_y, or of w: torch's (w *
// l).sum() / (w * w_y).sum(); 0 when it is 0); PixelMean the count, Sum and
// None none. A Region term takes its sums over weighted pixels (sum w*p_c
// over pixels labelled c, sum w*p_c, sum w*[y = c], and w*p_c^2 when
// Squared), so a zero weight excludes a pixel from every term as the ignore
// index does (which still applies). The weights go through the same fused
// passes as one more streaming input; the cross entropy then takes one log
// per pixel, so weights of 1 give the unweighted value within rounding.
func (m *Multiclass) ForwardWeighted(ws *Workspace, logits []float32, labels Labels, weights []float32, sh Shape) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*S = %d elements (or call Forward)", ErrLength, sh.N*sh.S)
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.run(w, logits, labels, weights, sh, nil)
}

// BackwardWeighted is Backward with a weight per pixel, as ForwardWeighted
// takes them: every element of a pixel's gradient is w times its gradient
// in the weighted loss's sums (a zero weight gives a zero gradient). grad
// must not overlap the logits or the weights.
func (m *Multiclass) BackwardWeighted(ws *Workspace, logits []float32, labels Labels, weights []float32, sh Shape, grad []float32) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*S = %d elements (or call Backward)", ErrLength, sh.N*sh.S)
	}
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.run(w, logits, labels, weights, sh, grad)
}

// Backward returns the loss value and writes d(loss)/d(logits) into grad
// (length N*C*S; every element is overwritten). grad must not overlap the
// logits (ErrOption). On ErrLabel and ErrRange every element of grad is 0
// (the first pass writes grad as it checks the labels: the gradient of a
// loss of CrossEntropy and Focal terms, the probabilities of a loss with
// Region terms); on any other error nothing is written into grad.
func (m *Multiclass) Backward(ws *Workspace, logits []float32, labels Labels, sh Shape, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.run(w, logits, labels, nil, sh, grad)
}

// check validates a call (weights nil for an unweighted one); for a
// weighted one it leaves the weighted totals in ws.mcW. With fold it leaves
// the labels' range to the kernels, which count the valid labels of their
// pass (kernels.SoftmaxSums.Valid): the caller checks the count with
// labelsErr after the statistics or fused pass, and any error check
// returns after that point comes from late, so that a bad label is still
// the error a call returns first.
func (m *Multiclass) check(ws *workspace, logits []float32, labels Labels, weights []float32, sh Shape, grad []float32, fold bool) error {
	if err := sh.check(); err != nil {
		return err
	}
	if len(logits) != sh.Len() {
		return fmt.Errorf("%w: logits have %d elements, want N*C*S = %d", ErrLength, len(logits), sh.Len())
	}
	if labels.Len() != sh.N*sh.S {
		return labelsLenErr(labels.Len(), sh)
	}
	if grad != nil && len(grad) != sh.Len() {
		return fmt.Errorf("%w: gradient has %d elements, want N*C*S = %d", ErrLength, len(grad), sh.Len())
	}
	if weights != nil && len(weights) != sh.N*sh.S {
		return fmt.Errorf("%w: weights have %d elements, want N*S = %d (one per pixel, like the labels)", ErrLength, len(weights), sh.N*sh.S)
	}
	if err := checkAlias(grad, "the gradient", logits, nil, weights); err != nil {
		return err
	}
	if err := m.plan(sh, &ws.mc); err != nil {
		return err
	}
	if fold {
		if err := m.Ignore.check(labels); err != nil {
			return err
		}
	} else if err := checkLabels(labels, sh.C, m.Ignore); err != nil {
		return err
	}
	ws.ceFactor = 1
	ws.mcWSet = false
	if weights != nil {
		mx, err := checkElementWeights(weights)
		if err != nil {
			return m.late(fold, labels, sh.C, err)
		}
		ws.wMax = mx
		if p := &ws.mc; (p.ce && p.ceT.Reduction == WeightMean) || (p.focal && p.focalT.Reduction == WeightMean) {
			ws.mcW = weightedTotals(labels, weights, sh.C, m.Ignore, m.ceWeights(p))
			ws.mcWSet = true
		}
	}
	return nil
}

// late returns err, an error found after check's labels would have been
// checked, unless fold left them to the kernels and they are bad: then
// their error, as a call that checks them first returns.
func (m *Multiclass) late(fold bool, labels Labels, C int, err error) error {
	if fold {
		if e := checkLabels(labels, C, m.Ignore); e != nil {
			return e
		}
	}
	return err
}

// labelsErr returns the error of the labels of a statistics or fused pass
// over chunks chunks of the whole shard: nil when the kernels counted every
// label valid (in [0, C) and not ignored), else checkLabels' exact scan,
// which names the first bad label (and is nil when the labels the count
// missed are all ignored ones).
func (m *Multiclass) labelsErr(ws *workspace, chunks int, labels Labels, C int) error {
	var valid float64
	for i := range chunks {
		valid += ws.chunkScalars[i][3]
	}
	if valid == float64(labels.Len()) {
		return nil
	}
	return checkLabels(labels, C, m.Ignore)
}

// run is Forward and Backward (grad nil or not) and their weighted forms.
// A Backward that returns ErrLabel or ErrRange sets every element of grad
// to 0, wherever the error was found: the first pass may have written grad
// (the fused gradient, or the probabilities of the region terms' path).
func (m *Multiclass) run(ws *workspace, logits []float32, labels Labels, weights []float32, sh Shape, grad []float32) (float64, error) {
	v, err := m.passes(ws, logits, labels, weights, sh, grad)
	if grad != nil && (errors.Is(err, ErrLabel) || errors.Is(err, ErrRange)) {
		clear(grad)
	}
	return v, err
}

func (m *Multiclass) passes(ws *workspace, logits []float32, labels Labels, weights []float32, sh Shape, grad []float32) (float64, error) {
	if err := m.check(ws, logits, labels, weights, sh, grad, m.Activation != NoActivation); err != nil {
		return 0, err
	}
	if m.Activation == NoActivation {
		return m.runProbs(ws, logits, labels, weights, sh, grad)
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	pooled := sh.S < poolMaxS && !ws.mc.perImage()
	if pooled {
		ws.st.reset(1, sh.C) // the batch's sums: no per-image statistics
	} else {
		ws.st.reset(sh.N, sh.C)
	}
	ws.st.kind = kindSoftmax
	if grad != nil && len(ws.mc.regions) == 0 {
		if err := m.fused(ws, &ws.st, logits, labels, sh, grad, pooled); err != nil {
			if errors.Is(err, ErrLabel) {
				return 0, err
			}
			// The gradient does not fit float32: the value alone, unless a
			// label is bad.
			if err := m.accumulate(ws, &ws.st, logits, labels, sh, 0, pooled, nil); err != nil {
				return 0, err
			}
			return m.finalize(ws, &ws.st, false), err
		}
		return m.finalize(ws, &ws.st, false), nil
	}
	// With a gradient to write, the statistics pass stores the
	// probabilities into grad where that pays (kernels.SoftmaxProbsPay) and
	// the gradient pass turns them into the gradient in place, without its
	// exponentials; the same bits either way. A focal term's gradient
	// takes log p_y from the logits, and small images are pooled: those
	// recompute the softmax.
	probs := grad != nil && !pooled && !ws.mc.focal && kernels.SoftmaxProbsPay(sh.C)
	var pgrad []float32
	if probs {
		pgrad = grad
	}
	if err := m.accumulate(ws, &ws.st, logits, labels, sh, 0, pooled, pgrad); err != nil {
		return 0, err
	}
	value := m.finalize(ws, &ws.st, grad != nil)
	if grad != nil {
		if err := ws.gradRange(float64(ws.ceScale), float64(ws.focScale), ws.st.N*ws.st.C); err != nil {
			return value, err
		}
		m.gradient(ws, logits, labels, sh, 0, grad, pooled, probs)
	}
	return value, nil
}

// Accumulate adds the statistics of a shard to st: sh.N images whose index
// in the whole batch starts at first, with their labels (a tile of images
// is a shard too: its S pixels are any part of each image's pixels). st must
// have been Reset for the whole batch. first < 0, or images first..first+N-1
// outside st's images, is ErrShape; on any error st is unchanged.
// AccumulateWeighted and GradientWeighted take per-pixel weights.
func (m *Multiclass) Accumulate(ws *Workspace, st *Stats, logits []float32, labels Labels, sh Shape, first int) error {
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return m.accumulateImpl(w, st, logits, labels, nil, sh, first)
}

// AccumulateWeighted is Accumulate with a weight per pixel (N*S, the
// shard's labels' layout), as ForwardWeighted takes them: merged Stats of
// weighted shards give ForwardWeighted's value of the whole batch (within
// float64 rounding), WeightMean's divisors included. Weighted and
// unweighted shards (weights of 1) merge.
func (m *Multiclass) AccumulateWeighted(ws *Workspace, st *Stats, logits []float32, labels Labels, weights []float32, sh Shape, first int) error {
	if weights == nil {
		return fmt.Errorf("%w: weights are nil, want N*S = %d elements (or call Accumulate)", ErrLength, sh.N*sh.S)
	}
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return m.accumulateImpl(w, st, logits, labels, weights, sh, first)
}

func (m *Multiclass) accumulateImpl(ws *workspace, st *Stats, logits []float32, labels Labels, weights []float32, sh Shape, first int) error {
	if m.Activation == NoActivation {
		return fmt.Errorf("%w: Multiclass with NoActivation: Forward and Backward (and their weighted forms) only", ErrOption)
	}
	if err := m.check(ws, logits, labels, weights, sh, nil, true); err != nil {
		return err
	}
	if err := st.check(first, sh.N, sh.C, kindSoftmax); err != nil {
		return m.late(true, labels, sh.C, err)
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	if err := m.accumulate(ws, st, logits, labels, sh, first, false, nil); err != nil {
		return err
	}
	st.kind = kindSoftmax
	return nil
}

// Value returns the loss value of (merged) statistics. A nil Stats, one
// never Reset or hand-built with N, C and Data that disagree, or one of
// the other kind of loss, is an error; st is only read.
func (m *Multiclass) Value(ws *Workspace, st *Stats) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.valueImpl(w, st)
}

func (m *Multiclass) valueImpl(ws *workspace, st *Stats) (float64, error) {
	if st == nil {
		return 0, fmt.Errorf("%w: nil Stats", ErrOption)
	}
	if err := st.check(0, 0, st.C, kindSoftmax); err != nil {
		return 0, err
	}
	if err := m.plan(Shape{st.N, st.C, 1}, &ws.mc); err != nil {
		return 0, err
	}
	return m.finalize(ws, st, false), nil
}

// Gradient writes into grad the gradient of the loss of (merged) statistics
// st with respect to the logits of one shard (as given to Accumulate), and
// returns the loss value. The arguments are checked as Accumulate's and
// Backward's (grad must not overlap the inputs); on any error nothing is
// written into grad.
func (m *Multiclass) Gradient(ws *Workspace, st *Stats, logits []float32, labels Labels, sh Shape, first int, grad []float32) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.gradientImpl(w, st, logits, labels, nil, sh, first, grad)
}

// GradientWeighted is Gradient with a weight per pixel of the shard (as
// AccumulateWeighted took them): every element of a pixel's gradient is w
// times its gradient, as BackwardWeighted's.
func (m *Multiclass) GradientWeighted(ws *Workspace, st *Stats, logits []float32, labels Labels, weights []float32, sh Shape, first int, grad []float32) (float64, error) {
	if weights == nil {
		return 0, fmt.Errorf("%w: weights are nil, want N*S = %d elements (or call Gradient)", ErrLength, sh.N*sh.S)
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.gradientImpl(w, st, logits, labels, weights, sh, first, grad)
}

func (m *Multiclass) gradientImpl(ws *workspace, st *Stats, logits []float32, labels Labels, weights []float32, sh Shape, first int, grad []float32) (float64, error) {
	if m.Activation == NoActivation {
		return 0, fmt.Errorf("%w: Multiclass with NoActivation: Forward and Backward (and their weighted forms) only", ErrOption)
	}
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	if err := m.check(ws, logits, labels, weights, sh, grad, false); err != nil {
		return 0, err
	}
	if err := st.check(first, sh.N, sh.C, kindSoftmax); err != nil {
		return 0, err
	}
	ws.weights = weights
	defer func() { ws.weights = nil }()
	value := m.finalize(ws, st, true)
	if err := ws.gradRange(float64(ws.ceScale), float64(ws.focScale), st.N*st.C); err != nil {
		return value, err
	}
	m.gradient(ws, logits, labels, sh, first, grad, false, false)
	return value, nil
}

// accumulate runs the statistics pass over the chunks of the shard and adds
// the chunk sums to st in chunk order; when a label is bad (labelsErr) it
// returns its error and leaves st as it was. With probs (N*C*S, not
// pooled) the pass also stores the probabilities there.
func (m *Multiclass) accumulate(ws *workspace, st *Stats, logits []float32, labels Labels, sh Shape, first int, pooled bool, probs []float32) error {
	p := &ws.mc
	C := sh.C
	g := softmaxGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(m.Workers, sh, chunks)
	ws.growWorkers(workers, C, chunks, g.poolLen(sh, false), false)
	for w := range ws.workers[:workers] {
		ws.workers[w].smPrm = p.params(C, m.Ignore, ws.workers[w].scratch)
	}
	ws.job = job{ws: ws, kind: softmaxStats, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, logits: logits, labels: labels, weights: ws.weights,
		grad: probs, probs: probs != nil}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
	if err := m.labelsErr(ws, chunks, labels, C); err != nil {
		return err
	}

	P, PY, Y, PP, YY := st.block(sP), st.block(sPY), st.block(sY), st.block(sPP), st.block(sYY)
	for i := 0; i < chunks; i++ {
		r := g.image(first, i) * C
		b := ws.chunkBuf[4*C*i : 4*C*(i+1)]
		for c := 0; c < C; c++ {
			P[r+c] += b[c]
			PY[r+c] += b[C+c]
			Y[r+c] += b[2*C+c]
			YY[r+c] += b[2*C+c] // one-hot labels: y*y = y
			PP[r+c] += b[3*C+c]
		}
		sc := &ws.chunkScalars[i]
		st.addScalar(sCE, sc[0])
		st.addScalar(sFocal, sc[2])
	}
	m.addTotals(ws, st, labels, C)
	return nil
}

// fused is the single pass of a loss whose terms are all pixelwise (CE,
// focal): their gradient scales come from the labels alone (the weight sum
// and count of the non-ignored pixels), so one pass over the logits writes
// the gradient and adds the CE, W, Focal and Valid sums to st, the same
// sums as accumulate's, in the same chunk order. It returns ErrRange,
// before the pass, when the gradient's scales do not fit float32, and
// ErrLabel after it when a label is bad (labelsErr), st left as it was (run
// clears grad).
func (m *Multiclass) fused(ws *workspace, st *Stats, logits []float32, labels Labels, sh Shape, grad []float32, pooled bool) error {
	p := &ws.mc
	C := sh.C
	wsum, valid := ws.labelTotals(labels, C, m.Ignore, m.ceWeights(p))
	var ceScale, focScale float32
	dCE, dFoc := p.divisors(wsum, valid, ws.weightedTotals(wsum, valid))
	if dCE != 0 {
		ceScale = float32(p.wCE / dCE)
	}
	if dFoc != 0 {
		focScale = float32(p.wFocal / dFoc)
	}
	if err := ws.gradRange(float64(ceScale), float64(focScale), 0); err != nil {
		return err
	}
	g := softmaxGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(m.Workers, sh, chunks)
	ws.growWorkers(workers, C, chunks, g.poolLen(sh, false), false)
	for w := range ws.workers[:workers] {
		st := &ws.workers[w]
		st.smPrm = p.params(C, m.Ignore, st.scratch)
		st.smCoef = coef(&st.smPrm, ceScale, focScale)
	}
	ws.job = job{ws: ws, kind: softmaxFused, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, logits: logits, labels: labels, weights: ws.weights, grad: grad}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
	if err := m.labelsErr(ws, chunks, labels, C); err != nil {
		return err
	}
	for i := 0; i < chunks; i++ {
		sc := &ws.chunkScalars[i]
		st.addScalar(sCE, sc[0])
		st.addScalar(sFocal, sc[2])
	}
	addTotalScalars(st, wsum, valid, ws.weightedTotals(wsum, valid))
	return nil
}

// addTotalScalars adds a shard's label totals to st: the class-weight sum
// and count (Mean, PixelMean) and the weighted ones (WeightMean).
func addTotalScalars(st *Stats, wsum, valid float64, w wTotals) {
	st.addScalar(sW, wsum)
	st.addScalar(sValid, valid)
	st.addScalar(sWW, w.wsum)
	st.addScalar(sWV, w.valid)
}

// addTotals adds the CE weight sum and the count of the non-ignored pixels
// of a shard's labels to st. They are exact (float64 from label counts),
// not the kernels' float32 block sums, so that the single pass, which
// needs them before it runs, and the statistics pass divide by the same
// numbers.
func (m *Multiclass) addTotals(ws *workspace, st *Stats, labels Labels, C int) {
	wsum, valid := ws.labelTotals(labels, C, m.Ignore, m.ceWeights(&ws.mc))
	addTotalScalars(st, wsum, valid, ws.weightedTotals(wsum, valid))
}

// ceWeights returns the CE class weights of the plan (nil: none, or no CE
// term).
func (m *Multiclass) ceWeights(p *mcPlan) []float32 {
	if p.ce {
		return p.ceT.Weight
	}
	return nil
}

// finalize returns the loss value of st and, when coefs, leaves the gradient
// coefficients of every image in the workspace.
func (m *Multiclass) finalize(ws *workspace, st *Stats, coefs bool) float64 {
	p := &ws.mc
	N, C := st.N, st.C
	ws.grow(N, C)
	var value float64
	ws.ceScale, ws.focScale = 0, 0
	dCE, dFoc := p.divisors(st.scalar(sW), st.scalar(sValid), wTotals{wsum: st.scalar(sWW), valid: st.scalar(sWV)})
	if dCE != 0 {
		value += p.wCE * st.scalar(sCE) / dCE
		ws.ceScale = float32(p.wCE / dCE)
	}
	if dFoc != 0 {
		value += p.wFocal * st.scalar(sFocal) / dFoc
		ws.focScale = float32(p.wFocal / dFoc)
	}
	src := regionSrc{st: st, soft: ws.softTargets}
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
// image is image first of the statistics finalized last; with probs, grad
// holds the probabilities of the statistics pass, not the logits, read.
func (m *Multiclass) gradient(ws *workspace, logits []float32, labels Labels, sh Shape, first int, grad []float32, pooled, probs bool) {
	p := &ws.mc
	C := sh.C
	g := softmaxGeom(sh, pooled)
	chunks := g.chunks
	workers := workerCount(m.Workers, sh, chunks)
	ws.growWorkers(workers, C, 0, g.poolLen(sh, false), false)
	for w := range ws.workers[:workers] {
		prm := p.params(C, m.Ignore, ws.workers[w].scratch)
		ws.workers[w].smCoef = coef(&prm, ws.ceScale, ws.focScale)
	}
	ws.job = job{ws: ws, kind: softmaxGrad, chunks: chunks, cpi: g.cpi, px: g.px, group: g.group, sh: sh, first: first,
		logits: logits, labels: labels, weights: ws.weights, grad: grad, region: len(p.regions) > 0, probs: probs}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
}

// divisors returns what the CE and focal sums are divided by, given the CE
// weight sum and the count of the non-ignored pixels (0 for a term the
// loss does not have, or that divides by 0).
func (p *mcPlan) divisors(wsum, valid float64, w wTotals) (dCE, dFoc float64) {
	if p.ce {
		dCE = divisor(p.ceT.Reduction, wsum, valid, w.wsum)
	}
	if p.focal {
		dFoc = divisor(p.focalT.Reduction, valid, valid, w.valid)
	}
	return dCE, dFoc
}

// divisor returns what a pixelwise term's sum is divided by: the weight
// sum (Mean), the count (PixelMean), the per-pixel weighted sum (WeightMean)
// or 1.
func divisor(r Reduction, weightSum, count, weighted float64) float64 {
	switch r {
	case Mean:
		return weightSum
	case PixelMean:
		return count
	case WeightMean:
		return weighted
	}
	return 1
}

// wTotals are the per-pixel weighted totals of a weighted call's
// non-ignored pixels: the sums of w*w_y (w_y the CE class weight, 1
// without) and of w.
type wTotals struct{ wsum, valid float64 }

// weightedTotals returns the call's weighted totals, or (wsum, valid) for an
// unweighted call (where WeightMean is Mean).
func (ws *workspace) weightedTotals(wsum, valid float64) wTotals {
	if ws.weights == nil || !ws.mcWSet {
		return wTotals{wsum: wsum, valid: valid}
	}
	return ws.mcW
}

// weightedTotals returns the sums of w*w_y and of w over the non-ignored
// pixels (the divisors of WeightMean), in float64, in pixel order; the
// weights were checked (checkElementWeights).
func weightedTotals(l Labels, w []float32, C int, ign IgnoreIndex, cw []float32) wTotals {
	var t wTotals
	add := func(y int32, v float32) {
		if y < 0 || int(y) >= C || (ign.set && y == ign.label) {
			return
		}
		t.valid += float64(v)
		if cw != nil {
			t.wsum += float64(v) * float64(cw[y])
		} else {
			t.wsum += float64(v)
		}
	}
	if l.i32 != nil {
		for i, y := range l.i32 {
			add(y, w[i])
		}
	} else {
		for i, y := range l.u8 {
			add(int32(y), w[i])
		}
	}
	return t
}

// Pixelwise writes the weighted sum of the pixelwise terms (CrossEntropy,
// Focal) of every pixel into out (length N*S) before any reduction, as
// torch's reduction='none' does; ignored pixels get 0. It returns ErrOption
// when the loss has a Region term, or when out overlaps the logits; on any
// error nothing is written into out.
func (m *Multiclass) Pixelwise(ws *Workspace, logits []float32, labels Labels, sh Shape, out []float32) error {
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	return m.pixelwiseImpl(w, logits, labels, sh, out)
}

func (m *Multiclass) pixelwiseImpl(ws *workspace, logits []float32, labels Labels, sh Shape, out []float32) error {
	if m.Activation == NoActivation {
		return fmt.Errorf("%w: Multiclass with NoActivation: Forward and Backward (and their weighted forms) only", ErrOption)
	}
	if err := m.check(ws, logits, labels, nil, sh, nil, false); err != nil {
		return err
	}
	p := &ws.mc
	if len(p.regions) > 0 {
		return fmt.Errorf("%w: Pixelwise needs CrossEntropy and Focal terms only; a Region term has no per-pixel value", ErrOption)
	}
	if len(out) != sh.N*sh.S {
		return fmt.Errorf("%w: out has %d elements, want N*S = %d", ErrLength, len(out), sh.N*sh.S)
	}
	if err := checkAlias(out, "out", logits); err != nil {
		return err
	}
	N, C, S := sh.N, sh.C, sh.S
	ws.grow(N, C)
	ws.smPrm = p.params(C, m.Ignore, ws.scratch)
	prm := &ws.smPrm
	for n := 0; n < N; n++ {
		x := logits[n*C*S : (n+1)*C*S]
		for i := 0; i < S; i++ {
			if labels.i32 != nil {
				kernels.SoftmaxBlock(x, S, i, i+1, labels.i32[n*S:(n+1)*S], prm, &ws.blk)
			} else {
				kernels.SoftmaxBlock(x, S, i, i+1, labels.u8[n*S:(n+1)*S], prm, &ws.blk)
			}
			out[n*S+i] = float32(p.wCEPix*float64(ws.blk.CE) + p.wFocal*float64(ws.blk.Focal))
		}
	}
	return nil
}

// runProbs is run for NoActivation (the inputs are probabilities): the
// statistics and gradient passes go plane by plane through the sigmoid
// family's probability kernels, whose targets are the one-hot labels of the
// plane's class and whose weights are 0 at ignored pixels (and the call's
// pixel weights elsewhere), made per chunk in the worker's buffers. The
// Stats are a Multiclass's (Y the weighted label counts). The statistics
// pass checks the inputs on the way (kernels.SigmoidSums.Bits), before the
// gradient pass writes anything.
func (m *Multiclass) runProbs(ws *workspace, logits []float32, labels Labels, weights []float32, sh Shape, grad []float32) (float64, error) {
	return m.probPasses(ws, logits, labels, nil, weights, sh, grad)
}

// probPasses runs the passes of runProbs against the one-hot targets of
// labels, or, when targets is not nil, against those (probability
// targets: BackwardSoft; no weights, no ignore index then).
func (m *Multiclass) probPasses(ws *workspace, logits []float32, labels Labels, targets, weights []float32, sh Shape, grad []float32) (float64, error) {
	onehot := targets == nil
	ws.weights = weights
	defer func() { ws.weights = nil }()
	ws.bn = bnPlan{regions: ws.bn.regions[:0], wRegions: ws.bn.wRegions[:0], need: ws.mc.need, probs: true}
	if !onehot {
		for i := range ws.mc.regions {
			if ws.mc.regions[i].SoftLabel {
				ws.bn.need |= kernels.NeedAbsDiff // soft targets: SoftLabel's sum |p - y|
			}
		}
	}
	ws.st.reset(sh.N, sh.C)
	ws.st.kind = kindSoftmax
	st := &ws.st
	C := sh.C
	g := sigmoidGeom(sh, false)
	workers := workerCount(m.Workers, sh, g.chunks)
	ws.growWorkers(workers, C, g.chunks, 0, true)
	for w := range ws.workers[:workers] {
		ws.workers[w].py, ws.workers[w].pw = grow(ws.workers[w].py, g.px), grow(ws.workers[w].pw, g.px)
	}
	ws.job = job{ws: ws, kind: sigmoidStats, chunks: g.chunks, cpi: g.cpi, px: g.px, sh: sh, logits: logits,
		labels: labels, targets: targets, weights: weights, onehot: onehot, ignore: m.Ignore}
	bits := ws.runJob(&ws.job, workers)
	ws.job = job{}
	// The kernels saw the inputs' bits (and the targets', one-hot 0 and 1
	// or the caller's): the exact scans only when they are not all in
	// [+0, 1].
	if !kernels.BitsOK(bits) {
		if targets != nil {
			if err := checkTargets(targets); err != nil {
				return 0, err // the targets first, as checkSoft's other path
			}
		}
		if err := checkProbs(logits); err != nil {
			return 0, err
		}
	}
	P, PY, Y, PP, YY, AD := st.block(sP), st.block(sPY), st.block(sY), st.block(sPP), st.block(sYY), st.block(sAD)
	for i := 0; i < g.chunks; i++ {
		r := i / g.cpi // the plane: image*C + class, the entry's index
		t := &ws.sgChunks[i]
		P[r] += t.P
		PY[r] += t.PY
		Y[r] += t.Y
		PP[r] += t.PP
		YY[r] += t.YY
		AD[r] += t.AD
	}
	if !onehot {
		// the pixel count, MCC's (regionSrc.count with probability targets)
		st.addScalar(sValid, float64(sh.N*sh.S))
	}
	value := m.finalize(ws, st, grad != nil)
	if grad == nil {
		return value, nil
	}
	if err := ws.gradRange(0, 0, st.N*st.C); err != nil {
		return value, err
	}
	ws.growWorkers(workers, C, 0, 0, true)
	ws.job = job{ws: ws, kind: sigmoidGrad, chunks: g.chunks, cpi: g.cpi, px: g.px, sh: sh, logits: logits,
		labels: labels, targets: targets, weights: weights, onehot: onehot, ignore: m.Ignore, grad: grad}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
	return value, nil
}
