package loss

import (
	"fmt"

	"github.com/segloss/segloss/internal/kernels"
)

// ForwardSoft is Forward with probability targets instead of class-index
// labels: targets has the logits' layout (N*C*S: C planes per image), each
// value in [0, 1] (ErrLabel otherwise; a distribution over the classes at
// each pixel for torch's semantics, any soft one-hot for the region
// terms).
//
//   - CrossEntropy is torch's cross_entropy with probability targets:
//     each pixel's loss is sum_c w_c y'_c (logsumexp(x) - x_c), y' =
//     (1 - LabelSmoothing) y + LabelSmoothing/C, w the class weights; Mean
//     (and PixelMean) divide the sum by N*S, torch's mean for probability
//     targets (not by a weight sum), Sum by 1; WeightMean is ErrOption.
//   - Region terms take their sums over p = softmax(x) against y: sum p*y,
//     sum p, sum y (and sum y^2 when Squared), and SoftLabel is MONAI's
//     soft_label=True here (the overlap (P + Y - sum |p - y|)/2).
//   - Focal terms, an ignore index, per-pixel weights and the shard API
//     are not for probability targets (ErrOption for the first two).
//
// With Activation NoActivation the inputs are probabilities as in Forward
// (region terms only), against these targets. The softmax path runs the
// kernel tier's probability-target kernels (a statistics pass, which also
// checks the targets, and a gradient pass), split over Workers and
// bit-identical for any worker count.
func (m *Multiclass) ForwardSoft(ws *Workspace, logits, targets []float32, sh Shape) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.runSoft(w, logits, targets, sh, nil)
}

// BackwardSoft is ForwardSoft that also writes d(loss)/d(logits) (d/dp for
// NoActivation) into grad (N*C*S; every element is overwritten). grad must
// not overlap the logits or the targets. On any error nothing is written
// into grad.
func (m *Multiclass) BackwardSoft(ws *Workspace, logits, targets []float32, sh Shape, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return m.runSoft(w, logits, targets, sh, grad)
}

// softTermsOK returns the error checkSoft gives for a term that does not
// take probability targets (Focal, CrossEntropy with WeightMean), without
// planning a call.
func (m *Multiclass) softTermsOK() error {
	for _, t := range m.Terms {
		switch v := t.Term.(type) {
		case Focal, *Focal:
			return fmt.Errorf("%w: Focal takes class-index labels, not probability targets", ErrOption)
		case CrossEntropy:
			if v.Reduction == WeightMean {
				return errSoftWeightMean
			}
		case *CrossEntropy:
			if v != nil && v.Reduction == WeightMean {
				return errSoftWeightMean
			}
		}
	}
	return nil
}

var errSoftWeightMean = fmt.Errorf("%w: CrossEntropy: WeightMean is for per-pixel weights; with probability targets Mean divides by N*S", ErrOption)

// checkSoft validates a probability-target call and plans it.
func (m *Multiclass) checkSoft(ws *workspace, logits, targets []float32, sh Shape, grad []float32) error {
	if err := sh.check(); err != nil {
		return err
	}
	if len(logits) != sh.Len() {
		return fmt.Errorf("%w: logits have %d elements, want N*C*S = %d", ErrLength, len(logits), sh.Len())
	}
	if len(targets) != sh.Len() {
		return fmt.Errorf("%w: targets have %d elements, want N*C*S = %d (probability targets: one per logit)", ErrLength, len(targets), sh.Len())
	}
	if grad != nil && len(grad) != sh.Len() {
		return fmt.Errorf("%w: gradient has %d elements, want N*C*S = %d", ErrLength, len(grad), sh.Len())
	}
	if err := checkAlias(grad, "the gradient", logits, targets, nil); err != nil {
		return err
	}
	if m.Ignore.set {
		return fmt.Errorf("%w: an ignore index is for class-index labels, not probability targets", ErrOption)
	}
	p := &ws.mc
	if err := m.plan(sh, p); err != nil {
		return err
	}
	if err := m.softTermsOK(); err != nil {
		return err
	}
	if p.ce {
		// Mean divides by the pixel count here, not by a ratio of
		// weighted sums: the normalised class weights' scale goes back.
		p.wCE = p.wCEPix
	}
	// The targets are checked by the kernels of the statistics pass (the
	// sigmoid probability kernels of probPasses with NoActivation, which
	// check the inputs too; the probability-target kernels otherwise),
	// before anything is written.
	ws.ceFactor = 1
	return nil
}

func (m *Multiclass) runSoft(ws *workspace, logits, targets []float32, sh Shape, grad []float32) (float64, error) {
	if err := m.checkSoft(ws, logits, targets, sh, grad); err != nil {
		return 0, err
	}
	ws.softTargets = true
	defer func() { ws.softTargets = false }()
	if m.Activation == NoActivation {
		return m.probPasses(ws, logits, Labels{}, targets, nil, sh, grad)
	}
	N, C := sh.N, sh.C
	st := &ws.st
	st.reset(N, C)
	st.kind = kindSoftmax
	g := softmaxGeom(sh, false)
	workers := workerCount(m.Workers, sh, g.chunks)
	ws.growSoft(workers, C, g.chunks)
	p := &ws.mc
	softLabel := false // a region term takes MONAI's soft_label sum |p - y|
	for i := range p.regions {
		softLabel = softLabel || p.regions[i].SoftLabel
	}
	for w := range ws.workers[:workers] {
		ws.workers[w].stPrm = kernels.SoftTargetParams{C: C, CE: p.ce, Region: len(p.regions) > 0, Squared: p.need&kernels.NeedSquared != 0, AbsDiff: softLabel, Scratch32: ws.workers[w].f32}
		if p.ce {
			ws.workers[w].stPrm.CEWeight = p.ceT.Weight
			ws.workers[w].stPrm.Smoothing = float32(p.ceT.LabelSmoothing)
		}
	}
	ws.job = job{ws: ws, kind: softTargetStats, chunks: g.chunks, cpi: g.cpi, px: g.px, sh: sh, logits: logits, targets: targets}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
	blocks := [6][]float64{st.block(sP), st.block(sPY), st.block(sY), st.block(sPP), st.block(sYY), st.block(sAD)}
	var ce float64
	var bits uint32
	for i := 0; i < g.chunks; i++ {
		r := (i / g.cpi) * C
		s := ws.softChunk(i, C)
		for b := range blocks {
			dst := blocks[b][r : r+C]
			for c, v := range s[b*C : (b+1)*C] {
				dst[c] += v
			}
		}
		ce += s[6*C]
		bits = max(bits, uint32(s[6*C+1]))
	}
	if !kernels.BitsOK(bits) {
		// a target outside [0, 1], or -0 (which passes): name the first
		if err := checkTargets(targets); err != nil {
			return 0, err
		}
	}
	st.addScalar(sCE, ce)
	// torch's mean for probability targets divides by the pixel count.
	n := float64(N * sh.S)
	addTotalScalars(st, n, n, wTotals{wsum: n, valid: n})
	value := m.finalize(ws, st, grad != nil)
	if grad == nil {
		return value, nil
	}
	nc := N * C
	if len(p.regions) == 0 {
		nc = 0
	}
	if err := ws.gradRange(float64(ws.ceScale), 0, nc); err != nil {
		return value, err
	}
	for w := range ws.workers[:workers] {
		co := kernels.SoftTargetCoef{C: C, CE: p.ce, CEScale: ws.ceScale, Scratch32: ws.workers[w].f32}
		if p.ce {
			co.CEWeight = p.ceT.Weight
			co.Smoothing = float32(p.ceT.LabelSmoothing)
		}
		ws.workers[w].stCoef = co
	}
	ws.job = job{ws: ws, kind: softTargetGrad, chunks: g.chunks, cpi: g.cpi, px: g.px, sh: sh, logits: logits, targets: targets,
		grad: grad, region: len(p.regions) > 0}
	ws.runJob(&ws.job, workers)
	ws.job = job{}
	return value, nil
}

// growSoft sizes the workers' scratch (SoftScratchLen(C) float32 each)
// and the chunks' sums (softChunk) of a probability-target pass.
func (ws *workspace) growSoft(w, C, chunks int) {
	ws.growWorkers(w, C, 0, 0, false)
	for i := range ws.workers[:w] {
		ws.workers[i].f32 = grow(ws.workers[i].f32, kernels.SoftScratchLen(C))
	}
	ws.softBuf = grow(ws.softBuf, (6*C+2)*chunks)
}

// softChunk returns the sums of chunk i of a probability-target pass: P,
// PY, Y, PP, YY, AD (C each), then CE and the targets' Bits (a uint32,
// exact in a float64).
func (ws *workspace) softChunk(i, C int) []float64 {
	n := 6*C + 2
	return ws.softBuf[i*n : (i+1)*n]
}

// softTarget runs chunk i (pixels [lo, hi) of image n) of a
// probability-target pass.
func (j *job) softTarget(st *workerState, i, n, lo, hi int) {
	ws, C, S := j.ws, j.sh.C, j.sh.S
	x, y := j.logits[n*C*S:(n+1)*C*S], j.targets[n*C*S:(n+1)*C*S]
	if j.kind == softTargetStats {
		s := ws.softChunk(i, C)
		clear(s)
		out := kernels.SoftTargetSums{P: s[0:C], PY: s[C : 2*C], Y: s[2*C : 3*C], PP: s[3*C : 4*C], YY: s[4*C : 5*C], AD: s[5*C : 6*C]}
		kernels.SoftTargetRange(x, y, S, lo, hi, &st.stPrm, &out)
		s[6*C], s[6*C+1] = out.CE, float64(out.Bits)
		return
	}
	if j.region {
		r := n * C
		st.stCoef.A, st.stCoef.B, st.stCoef.E, st.stCoef.D = ws.a[r:r+C], ws.b[r:r+C], ws.e[r:r+C], ws.d[r:r+C]
	}
	kernels.SoftTargetGradRange(x, y, S, lo, hi, &st.stCoef, j.grad[n*C*S:(n+1)*C*S])
}
