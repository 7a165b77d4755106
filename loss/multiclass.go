package loss

import (
	"fmt"

	"github.com/segloss/segloss/kernels"
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
}

// CombinedLoss returns the seed's CombinedLoss: wCE * cross entropy + wDice
// * multi-class Dice (the seed uses 0.5 and 0.5).
func CombinedLoss(wCE, wDice float64) *Multiclass {
	return &Multiclass{Terms: []Weighted{{wCE, &CrossEntropy{}}, {wDice, Dice()}}}
}

// mcPlan is a validated Multiclass, with copies of its terms.
type mcPlan struct {
	ce, focal   bool
	ceT         CrossEntropy
	focalT      Focal
	wCE, wFocal float64
	regions     []Region
	wRegions    []float64
	need        kernels.Flags
}

func (m *Multiclass) plan(sh Shape, p *mcPlan) error {
	*p = mcPlan{regions: p.regions[:0], wRegions: p.wRegions[:0]}
	if len(m.Terms) == 0 {
		return fmt.Errorf("%w: Multiclass has no terms", ErrOption)
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
	if p.ce {
		if err := p.ceT.Reduction.check("CrossEntropy"); err != nil {
			return err
		}
		if err := checkRange(p.ceT.LabelSmoothing, 0, 1, "CrossEntropy.LabelSmoothing"); err != nil {
			return err
		}
		if err := checkWeights(p.ceT.Weight, sh.C, "CrossEntropy.Weight"); err != nil {
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
		if err := checkRange(p.focalT.Gamma, 0, 1e6, "Focal.Gamma"); err != nil {
			return err
		}
		if err := checkWeights(p.focalT.Alpha, sh.C, "Focal.Alpha"); err != nil {
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

// Forward returns the loss value.
func (m *Multiclass) Forward(ws *Workspace, logits []float32, labels Labels, sh Shape) (float64, error) {
	return m.run(ws, logits, labels, sh, nil)
}

// Backward returns the loss value and writes d(loss)/d(logits) into grad
// (length N*C*S; every element is overwritten).
func (m *Multiclass) Backward(ws *Workspace, logits []float32, labels Labels, sh Shape, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	return m.run(ws, logits, labels, sh, grad)
}

func (m *Multiclass) check(ws *Workspace, logits []float32, labels Labels, sh Shape, grad []float32) error {
	if ws == nil {
		return fmt.Errorf("%w: nil Workspace", ErrOption)
	}
	if err := sh.check(); err != nil {
		return err
	}
	if len(logits) != sh.Len() {
		return fmt.Errorf("%w: logits have %d elements, want N*C*S = %d", ErrLength, len(logits), sh.Len())
	}
	if labels.Len() != sh.N*sh.S {
		return fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), sh.N*sh.S)
	}
	if grad != nil && len(grad) != sh.Len() {
		return fmt.Errorf("%w: gradient has %d elements, want N*C*S = %d", ErrLength, len(grad), sh.Len())
	}
	if err := m.plan(sh, &ws.mc); err != nil {
		return err
	}
	return checkLabels(labels, sh.C, m.Ignore)
}

func (m *Multiclass) run(ws *Workspace, logits []float32, labels Labels, sh Shape, grad []float32) (float64, error) {
	if err := m.check(ws, logits, labels, sh, grad); err != nil {
		return 0, err
	}
	p := &ws.mc
	N, C, S := sh.N, sh.C, sh.S
	ws.grow(N, C)

	// Pass 1: statistics per image.
	ws.smPrm = p.params(C, m.Ignore, ws.scratch)
	prm := &ws.smPrm
	var tot kernels.SoftmaxSums[float64]
	for n := 0; n < N; n++ {
		x := logits[n*C*S : (n+1)*C*S]
		out := ws.image(n, C)
		switch {
		case labels.i32 != nil:
			kernels.SoftmaxImage(x, S, labels.i32[n*S:(n+1)*S], prm, &ws.blk, &out)
		default:
			kernels.SoftmaxImage(x, S, labels.u8[n*S:(n+1)*S], prm, &ws.blk, &out)
		}
		tot.CE += out.CE
		tot.W += out.W
		tot.Focal += out.Focal
		tot.Valid += out.Valid
		ws.scalars[n] = out
	}

	// Finalize: the value and the gradient coefficients.
	var value, ceScale, focalScale float64
	if p.ce {
		d := divisor(p.ceT.Reduction, tot.W, tot.Valid)
		if d != 0 {
			value += p.wCE * tot.CE / d
			ceScale = p.wCE / d
		}
	}
	if p.focal {
		d := divisor(p.focalT.Reduction, tot.Valid, tot.Valid)
		if d != 0 {
			value += p.wFocal * tot.Focal / d
			focalScale = p.wFocal / d
		}
	}
	for i := range p.regions {
		value += p.regions[i].finalize(p.wRegions[i], N, C, regionSrc{ws: ws, N: N, C: C, perImage: p.regions[i].PerImage})
	}
	if grad == nil {
		return value, nil
	}
	ws.coefs()

	// Pass 2: the gradient.
	ws.smCoef = kernels.SoftmaxCoef{
		C: C, UseIgnore: m.Ignore.set, Ignore: m.Ignore.label,
		CEScale: float32(ceScale), FocalScale: float32(focalScale),
		Scratch: ws.scratch,
	}
	coef := &ws.smCoef
	if p.ce {
		coef.CEWeight = p.ceT.Weight
		coef.Smoothing = float32(p.ceT.LabelSmoothing)
	}
	if p.focal {
		coef.Alpha = p.focalT.Alpha
		coef.Gamma = float32(p.focalT.Gamma)
	}
	for n := 0; n < N; n++ {
		if len(p.regions) > 0 {
			coef.A, coef.B, coef.E = ws.a[n*C:(n+1)*C], ws.b[n*C:(n+1)*C], ws.e[n*C:(n+1)*C]
		}
		x, g := logits[n*C*S:(n+1)*C*S], grad[n*C*S:(n+1)*C*S]
		switch {
		case labels.i32 != nil:
			kernels.SoftmaxGrad(x, S, labels.i32[n*S:(n+1)*S], coef, g)
		default:
			kernels.SoftmaxGrad(x, S, labels.u8[n*S:(n+1)*S], coef, g)
		}
	}
	return value, nil
}

// divisor returns what a pixelwise term's sum is divided by.
func divisor(r Reduction, weightSum, count float64) float64 {
	switch r {
	case Mean:
		return weightSum
	case PixelMean:
		return count
	}
	return 1
}

// Pixelwise writes the weighted sum of the pixelwise terms (CrossEntropy,
// Focal) of every pixel into out (length N*S) before any reduction, as
// torch's reduction='none' does; ignored pixels get 0. It returns ErrOption
// when the loss has a Region term.
func (m *Multiclass) Pixelwise(ws *Workspace, logits []float32, labels Labels, sh Shape, out []float32) error {
	if err := m.check(ws, logits, labels, sh, nil); err != nil {
		return err
	}
	p := &ws.mc
	if len(p.regions) > 0 {
		return fmt.Errorf("%w: Pixelwise needs CrossEntropy and Focal terms only; a Region term has no per-pixel value", ErrOption)
	}
	if len(out) != sh.N*sh.S {
		return fmt.Errorf("%w: out has %d elements, want N*S = %d", ErrLength, len(out), sh.N*sh.S)
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
			out[n*S+i] = float32(p.wCE*float64(ws.blk.CE) + p.wFocal*float64(ws.blk.Focal))
		}
	}
	return nil
}
