package loss

import (
	"fmt"
	"math"

	"github.com/segloss/segloss/kernels"
)

// Binary is a sigmoid segmentation loss: a weighted sum of at most one BCE,
// at most one SigmoidFocal and any number of Region terms, over logits of
// shape N x C x S (C = 1 for binary segmentation, C > 1 for multi-label) and
// float targets in [0, 1] of the same shape (soft labels allowed).
//
// The zero value has no terms; a call on it returns ErrOption.
type Binary struct {
	Terms []Weighted
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
}

func (b *Binary) plan(sh Shape, p *bnPlan) error {
	*p = bnPlan{regions: p.regions[:0], wRegions: p.wRegions[:0]}
	if len(b.Terms) == 0 {
		return fmt.Errorf("%w: Binary has no terms", ErrOption)
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
		if err := checkWeights(p.bceT.PosWeight, sh.C, "BCE.PosWeight"); err != nil {
			return err
		}
	}
	if p.focal {
		if err := p.focalT.Reduction.check("SigmoidFocal"); err != nil {
			return err
		}
		if p.focalT.Reduction == PixelMean {
			return fmt.Errorf("%w: SigmoidFocal: PixelMean is for CrossEntropy; use Mean", ErrOption)
		}
		if err := checkRange(p.focalT.Gamma, 0, 1e6, "SigmoidFocal.Gamma"); err != nil {
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
	}
	return nil
}

// Forward returns the loss value.
func (b *Binary) Forward(ws *Workspace, logits, targets []float32, sh Shape) (float64, error) {
	return b.run(ws, logits, targets, sh, nil)
}

// Backward returns the loss value and writes d(loss)/d(logits) into grad
// (length N*C*S; every element is overwritten).
func (b *Binary) Backward(ws *Workspace, logits, targets []float32, sh Shape, grad []float32) (float64, error) {
	if grad == nil {
		return 0, fmt.Errorf("%w: gradient buffer is nil, want N*C*S = %d elements", ErrLength, sh.Len())
	}
	return b.run(ws, logits, targets, sh, grad)
}

func (b *Binary) check(ws *Workspace, logits, targets []float32, sh Shape, grad []float32) error {
	if ws == nil {
		return fmt.Errorf("%w: nil Workspace", ErrOption)
	}
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
	if err := b.plan(sh, &ws.bn); err != nil {
		return err
	}
	for i, v := range targets {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: target %v at index %d, want a value in [0, 1]", ErrLabel, v, i)
		}
	}
	return nil
}

func (p *bnPlan) params(c int) kernels.SigmoidParams {
	prm := kernels.SigmoidParams{Need: p.need, PosWeight: 1, FocalAlpha: -1}
	if p.bce && p.bceT.PosWeight != nil {
		prm.PosWeight = p.bceT.PosWeight[c]
	}
	if p.focal {
		prm.FocalAlpha = float32(p.focalT.Alpha)
		prm.FocalGamma = float32(p.focalT.Gamma)
	}
	return prm
}

func (b *Binary) run(ws *Workspace, logits, targets []float32, sh Shape, grad []float32) (float64, error) {
	if err := b.check(ws, logits, targets, sh, grad); err != nil {
		return 0, err
	}
	p := &ws.bn
	N, C, S := sh.N, sh.C, sh.S
	ws.grow(N, C)

	// Pass 1: statistics per plane.
	var bceSum, focSum float64
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			o := (n*C + c) * S
			ws.sgPrm = p.params(c)
			st := &ws.sig[n*C+c]
			*st = kernels.SigmoidSums[float64]{}
			kernels.SigmoidPlane(logits[o:o+S], targets[o:o+S], &ws.sgPrm, &ws.sgBlk, st)
			bceSum += st.BCE
			focSum += st.Focal
		}
	}

	// Finalize.
	total := float64(sh.Len())
	var value, bceScale, focScale float64
	if p.bce {
		d := divisor(p.bceT.Reduction, total, total)
		value += p.wBCE * bceSum / d
		bceScale = p.wBCE / d
	}
	if p.focal {
		d := divisor(p.focalT.Reduction, total, total)
		value += p.wFoc * focSum / d
		focScale = p.wFoc / d
	}
	for i := range p.regions {
		value += p.regions[i].finalize(p.wRegions[i], N, C, regionSrc{ws: ws, N: N, C: C, perImage: p.regions[i].PerImage, sigmoid: true})
	}
	if grad == nil {
		return value, nil
	}
	ws.coefs()

	// Pass 2: the gradient.
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			o, i := (n*C+c)*S, n*C+c
			prm := p.params(c)
			ws.sgCoef = kernels.SigmoidCoef{
				A: ws.a[i], B: ws.b[i], E: ws.e[i],
				BCEScale: float32(bceScale), PosWeight: prm.PosWeight,
				FocalScale: float32(focScale), FocalAlpha: prm.FocalAlpha, FocalGamma: prm.FocalGamma,
			}
			kernels.SigmoidGrad(logits[o:o+S], targets[o:o+S], &ws.sgCoef, grad[o:o+S])
		}
	}
	return value, nil
}

// Pixelwise writes the weighted sum of the pixelwise terms (BCE,
// SigmoidFocal) of every element into out (length N*C*S) before any
// reduction, as torch's reduction='none' does. It returns ErrOption when the
// loss has a Region term.
func (b *Binary) Pixelwise(ws *Workspace, logits, targets []float32, sh Shape, out []float32) error {
	if err := b.check(ws, logits, targets, sh, nil); err != nil {
		return err
	}
	p := &ws.bn
	if len(p.regions) > 0 {
		return fmt.Errorf("%w: Pixelwise needs BCE and SigmoidFocal terms only; a Region term has no per-element value", ErrOption)
	}
	if len(out) != sh.Len() {
		return fmt.Errorf("%w: out has %d elements, want N*C*S = %d", ErrLength, len(out), sh.Len())
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
