package loss

import (
	"fmt"
	"math"
)

// Term is one loss term of a Multiclass or Binary loss: *CrossEntropy,
// *Focal, *Region, *BCE or *SigmoidFocal (or their values).
type Term interface {
	termName() string
}

// Weighted is a term with its weight in a sum of terms.
type Weighted struct {
	Weight float64
	Term   Term
}

// CrossEntropy is torch.nn.functional.cross_entropy with class-index
// targets (softmax over the C classes), for Multiclass losses:
//
//	l_i = (1-eps) * w_{y_i} * (-log p_{i,y_i}) + eps/C * sum_c w_c * (-log p_{i,c})
//
// reduced by Reduction (Mean divides by the sum of w_{y_i}).
type CrossEntropy struct {
	// Weight holds C class weights (torch weight), or nil for 1.
	Weight []float32
	// LabelSmoothing is torch's label_smoothing, in [0, 1].
	LabelSmoothing float64
	// Reduction is Mean (the default), Sum, None, PixelMean or, for the
	// weighted calls, WeightMean.
	Reduction Reduction
}

// Focal is the chapter's softmax focal loss (Lin et al.), for Multiclass:
//
//	l_i = alpha_{y_i} * (1 - p_{i,y_i})^gamma * (-log p_{i,y_i})
//
// Mean averages over non-ignored pixels. Gamma 0 without Alpha is the
// unweighted cross entropy. The chapter's default is Gamma 2.
type Focal struct {
	// Gamma is the focusing exponent, >= 0.
	Gamma float64
	// Alpha holds C per-class weights indexed by the target, or nil for 1.
	Alpha []float32
	// Reduction is Mean (the default), Sum, None or, for the weighted
	// calls, WeightMean.
	Reduction Reduction
}

// BCE is torch.nn.functional.binary_cross_entropy_with_logits, for Binary
// losses: l = -[pw_c*y*log(sigmoid(x)) + (1-y)*log(1-sigmoid(x))],
// evaluated in softplus form.
type BCE struct {
	// PosWeight holds C per-channel weights of the positive part (torch
	// pos_weight broadcast over channel), or nil for 1.
	PosWeight []float32
	// Reduction is Mean (over all elements, the default), Sum, None or, for
	// the weighted calls, WeightMean.
	Reduction Reduction
}

// SigmoidFocal is torchvision.ops.sigmoid_focal_loss, for Binary losses:
//
//	l = alpha_t * (1 - p_t)^gamma * BCE(x, y),  p_t = p*y + (1-p)*(1-y),
//	alpha_t = alpha*y + (1-alpha)*(1-y)   (no alpha_t when Alpha < 0)
//
// torchvision's defaults are Alpha 0.25, Gamma 2 (NewSigmoidFocal).
type SigmoidFocal struct {
	Alpha float64
	Gamma float64
	// Reduction is Mean (over all elements, the default), Sum, None or,
	// for the weighted calls, WeightMean.
	Reduction Reduction
}

// NewSigmoidFocal returns torchvision's defaults: Alpha 0.25, Gamma 2, Mean.
func NewSigmoidFocal() *SigmoidFocal { return &SigmoidFocal{Alpha: 0.25, Gamma: 2} }

// RegionKind selects the overlap ratio of a Region term.
type RegionKind int

const (
	// DiceRatio is (2I + sn) / (P + Y + sd).
	DiceRatio RegionKind = iota
	// IoURatio (Jaccard) is (I + sn) / (P + Y - I + sd).
	IoURatio
	// TverskyRatio is (I + sn) / (I + alpha*(P-I) + beta*(Y-I) + sd): alpha
	// weights false positives, beta false negatives.
	TverskyRatio
	// GeneralizedDiceRatio is the generalized Dice of Sudre et al. (2017),
	// MONAI's GeneralizedDiceLoss: one ratio over the classes of a group
	// (the batch, or an image with PerImage),
	// (2 Σ_c w_c I_c + sn) / (Σ_c w_c (P_c + Y_c) + sd), with w_c from Y_c
	// by Region.GDLWeight; a class absent from the group (an infinite
	// weight) takes the group's largest finite weight, as MONAI does. The
	// term is the mean over groups of 1 - ratio. Region.Weight, Squared, Log
	// and an Empty policy other than EmptyComputed do not apply (ErrOption).
	GeneralizedDiceRatio
	// MCCRatio is the Matthews correlation coefficient of soft counts,
	// segmentation_models_pytorch's MCCLoss: per entry, with eps =
	// SmoothNum added to each of TP = I, FP = P - I, FN = Y - I and TN = M
	// - P - Y + I (M the entry's non-ignored pixels, or elements for
	// Binary), (TP·TN - FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)); the
	// entry's loss is 1 - that (0 to 2). SmoothDen, Squared and Log do not
	// apply (ErrOption). With SmoothNum = 0 a factor of the denominator is
	// 0 whenever nothing is predicted, nothing is labelled, or everything
	// is either (the numerator is then 0 too): that 0/0 is taken as a
	// perfect score (loss 0, zero derivatives), as the other kinds' 0/0,
	// where scikit-learn's matthews_corrcoef gives 0 (a loss of 1); SMP's
	// eps keeps it from happening.
	MCCRatio
)

// GDLWeight is how GeneralizedDiceRatio weights a class from its target
// sum Y_c (MONAI's w_type).
type GDLWeight int

const (
	// GDLSquare is w_c = 1/Y_c² (MONAI's default "square").
	GDLSquare GDLWeight = iota
	// GDLSimple is w_c = 1/Y_c.
	GDLSimple
	// GDLUniform is w_c = 1.
	GDLUniform
)

// EmptyPolicy says what a Region term does with an entry (a class, or an
// image and class when PerImage) absent from the target (sum of y = 0),
// whether or not it is predicted: with EmptySkip and EmptyZero, predicting
// such a class costs nothing (as in MONAI and SMP). When EmptySkip leaves no
// entry at all, the term is 0.
type EmptyPolicy int

const (
	// EmptyComputed keeps the entry as the formula computes it: with the
	// smoothing terms, the ratio is about 1 when the prediction is empty
	// too and about 0 otherwise (the chapter's and MONAI's behaviour).
	EmptyComputed EmptyPolicy = iota
	// EmptySkip leaves the entry out of the mean.
	EmptySkip
	// EmptyZero counts the entry as a perfect score (loss 0) in the mean
	// (segmentation_models_pytorch's behaviour).
	EmptyZero
)

// Region is a region (overlap) loss over soft predictions p (softmax for
// Multiclass, sigmoid for Binary) and targets y. Per entry, a class c summed
// over the whole batch (or, with PerImage, an image n and class c):
//
//	I = sum p*y, P = sum p (sum p^2 if Squared), Y = sum y (sum y^2 if Squared)
//	R = the Kind's ratio, f = 1 - R (or -log R with Log), F = f^Gamma
//
// and the term is the mean over kept entries of Weight[c] * F. A Region
// of term weight 0 is absent from the sum (not 0 times its value, which
// may be infinite). Ignored
// pixels count in neither p nor y. Use Dice, IoU, Tversky or FocalTversky
// for the chapter's defaults (smoothing 1e-6 in numerator and denominator).
type Region struct {
	Kind RegionKind
	// Alpha and Beta weight false positives and false negatives
	// (TverskyRatio only), each in [0, 1e6].
	Alpha, Beta float64
	// Gamma is the exponent applied to each entry (focal Tversky), in
	// [0, 1e6]; 0 means 1. Abraham and Khan's focal Tversky with their gamma = 4/3 is
	// Gamma = 0.75 here.
	Gamma float64
	// SmoothNum and SmoothDen are added to the numerator and denominator
	// (MONAI smooth_nr, smooth_dr), each finite and >= 0. With both 0, an
	// entry whose denominator is 0 (nothing predicted, nothing labelled)
	// scores R = 1, a loss of 0 with gradient 0.
	SmoothNum, SmoothDen float64
	// PerImage computes one entry per image and class instead of summing
	// over the batch (MONAI batch=False; the chapter sums over the batch).
	PerImage bool
	// Squared uses sum p^2 and sum y^2 in the denominator (MONAI
	// squared_pred).
	Squared bool
	// ExcludeBackground drops class 0 (MONAI include_background=False).
	ExcludeBackground bool
	// Weight holds C class weights multiplying each entry, or nil for 1.
	Weight []float32
	// Log uses -log(R) instead of 1 - R. With SmoothNum = 0, an entry with
	// no overlap (I = 0) has R = 0 and an infinite loss, as in torch.
	Log bool
	// Empty is the policy for entries absent from the target.
	Empty EmptyPolicy
	// GDLWeight is the class weighting of GeneralizedDiceRatio.
	GDLWeight GDLWeight
	// GammaOnMean raises the mean over the entries to Gamma instead of
	// each entry (segmentation_models_pytorch's TverskyLoss: loss.mean()
	// ** gamma, SMP issue #734). It needs Reduction Mean.
	GammaOnMean bool
	// Reduction combines the entries: Mean (the default) over the kept
	// entries, or Sum. None is Sum for the value and the gradient, with
	// the per-entry values from Entries (MONAI's reduction="none").
	Reduction Reduction
	// SoftLabel is MONAI's soft_label=True (Wang et al., "Dice semimetric
	// losses"): the overlap is I = (P + Y - sum |p - y|)/2 instead of sum
	// p*y, so a soft target is not penalised at p = y (the loss is then
	// 0). For class-index labels (Multiclass) and binary targets both give
	// the same value, and SoftLabel has no effect on Multiclass with
	// class-index labels (it has with probability targets, BackwardSoft); the
	// gradient differs only where p equals a binary target exactly (sgn(0)
	// = 0 there: dI/dp is w/2 instead of w*y, as MONAI's autograd gives).
	// Dice, IoU, Tversky and focal Tversky only, not Squared.
	SoftLabel bool
}

const chapterSmooth = 1e-6

// Dice returns the chapter's Dice loss (DiceLoss / MultiClassDiceLoss): Dice
// ratio, smoothing 1e-6 in numerator and denominator, batch aggregation,
// background included.
func Dice() *Region {
	return &Region{Kind: DiceRatio, SmoothNum: chapterSmooth, SmoothDen: chapterSmooth}
}

// IoU returns the Jaccard loss 1 - (I + s)/(P + Y - I + s) with s = 1e-6.
func IoU() *Region {
	return &Region{Kind: IoURatio, SmoothNum: chapterSmooth, SmoothDen: chapterSmooth}
}

// Tversky returns the Tversky loss 1 - TI with alpha weighting false
// positives and beta false negatives (beta > alpha favours recall), s = 1e-6.
func Tversky(alpha, beta float64) *Region {
	return &Region{Kind: TverskyRatio, Alpha: alpha, Beta: beta, SmoothNum: chapterSmooth, SmoothDen: chapterSmooth}
}

// GeneralizedDice returns MONAI's GeneralizedDiceLoss with its defaults:
// square weights, smoothing 1e-5 in numerator and denominator, one ratio
// per image (batch=False), background included.
func GeneralizedDice() *Region {
	return &Region{Kind: GeneralizedDiceRatio, SmoothNum: 1e-5, SmoothDen: 1e-5, PerImage: true}
}

// MCC returns segmentation_models_pytorch's MCCLoss: 1 - the Matthews
// correlation of soft counts summed over the batch, eps = 1e-5, per class
// and averaged over the classes (a binary loss has one).
func MCC() *Region {
	return &Region{Kind: MCCRatio, SmoothNum: 1e-5}
}

// FocalTversky returns the focal Tversky loss (1 - TI)^gamma, applied per
// class before the mean.
func FocalTversky(alpha, beta, gamma float64) *Region {
	r := Tversky(alpha, beta)
	r.Gamma = gamma
	return r
}

func (CrossEntropy) termName() string { return "CrossEntropy" }
func (Focal) termName() string        { return "Focal" }
func (BCE) termName() string          { return "BCE" }
func (SigmoidFocal) termName() string { return "SigmoidFocal" }
func (Region) termName() string       { return "Region" }

func (r *Region) check(C int) error {
	if r.Kind < DiceRatio || r.Kind > MCCRatio {
		return fmt.Errorf("%w: Region: unknown kind %d", ErrOption, int(r.Kind))
	}
	if r.GDLWeight < GDLSquare || r.GDLWeight > GDLUniform {
		return fmt.Errorf("%w: Region: unknown GDLWeight %d", ErrOption, int(r.GDLWeight))
	}
	if r.Reduction != Mean && r.Reduction != Sum && r.Reduction != None {
		return fmt.Errorf("%w: Region: Reduction %v, want Mean, Sum or None", ErrOption, r.Reduction)
	}
	if r.GammaOnMean && r.Reduction != Mean {
		return fmt.Errorf("%w: Region: GammaOnMean needs Reduction Mean", ErrOption)
	}
	switch r.Kind {
	case GeneralizedDiceRatio:
		if r.Weight != nil || r.Squared || r.Log || r.Empty != EmptyComputed {
			return fmt.Errorf("%w: Region: GeneralizedDiceRatio takes no Weight, Squared, Log or Empty policy (its class weights come from GDLWeight)", ErrOption)
		}
	case MCCRatio:
		if r.SmoothDen != 0 || r.Squared || r.Log {
			return fmt.Errorf("%w: Region: MCCRatio takes no SmoothDen, Squared or Log (its eps is SmoothNum)", ErrOption)
		}
	}
	if r.SoftLabel && (r.Squared || r.Kind == GeneralizedDiceRatio || r.Kind == MCCRatio) {
		return fmt.Errorf("%w: Region: SoftLabel is for Dice, IoU and Tversky without Squared", ErrOption)
	}
	if r.Empty < EmptyComputed || r.Empty > EmptyZero {
		return fmt.Errorf("%w: Region: unknown empty policy %d", ErrOption, int(r.Empty))
	}
	for _, v := range []struct {
		v    float64
		what string
	}{{r.Alpha, "Region.Alpha"}, {r.Beta, "Region.Beta"}, {r.Gamma, "Region.Gamma"}} {
		if err := checkExponent(v.v, v.what); err != nil {
			return err
		}
	}
	for _, v := range []struct {
		v    float64
		what string
	}{{r.SmoothNum, "Region.SmoothNum"}, {r.SmoothDen, "Region.SmoothDen"}} {
		if !(v.v >= 0) || math.IsInf(v.v, 0) {
			return fmt.Errorf("%w: %s = %v, want a finite value >= 0", ErrOption, v.what, v.v)
		}
	}
	if r.ExcludeBackground && C == 1 {
		return fmt.Errorf("%w: Region.ExcludeBackground with C = 1 leaves no class", ErrOption)
	}
	return checkWeights(r.Weight, C, "Region.Weight", maxWeight)
}

// entry returns F for one entry and the derivatives of F with respect to I
// and P (P and Y are sum p^2 and sum y^2 when Squared).
//
// The ratio R = num/den, with num = k*I + SmoothNum and den = Dice: P + Y
// + SmoothDen, IoU: P + Y - I + SmoothDen, Tversky: I + alpha*(P-I) +
// beta*(Y-I) + SmoothDen. Domain guards, where rounding or a degenerate
// option would leave the math:
//
//   - Without Squared, P-I and Y-I are >= 0 in exact arithmetic (p, y in
//     [0, 1]) and are clamped at 0, and IoU's P+Y-I is computed as P +
//     (Y-I), so that a denominator never falls below the numerator's share
//     of it by rounding. With Squared (P = sum p^2, Y = sum y^2) they may
//     be negative and are used as they are.
//   - den = 0 happens only for an entry with nothing predicted, nothing
//     labelled and no denominator smoothing (every pixel ignored, an image
//     wholly ignored with PerImage, a class absent from labels and
//     prediction): 0/0, defined as R = 1 with zero derivatives, a perfect
//     score. It is what the smoothing gives in the limit SmoothNum =
//     SmoothDen -> 0, and what metrics' BothEmptyOne (the metric of
//     EmptyComputed) scores.
//   - With SmoothNum <= SmoothDen, R <= 1 in exact arithmetic (for Dice
//     and IoU also with Squared: 2py <= p^2 + y^2; not for a squared
//     Tversky), so f = 1-R is clamped at 0 (rounding put R a hair above 1:
//     with Tversky 0.3, 0.7 the float64 1-0.3-0.7 is not 0). With SmoothNum > SmoothDen, f may be
//     negative; Gamma then applies to max(f, 0), since a fractional power
//     of a negative number is not real.
func (r *Region) entry(I, P, Y float64) (F, dI, dP float64) {
	var num, den, dNdI, dDdI, dDdP float64
	pi, yi := P-I, Y-I
	if !r.Squared {
		pi, yi = max(pi, 0), max(yi, 0)
	}
	switch r.Kind {
	case IoURatio:
		num, dNdI = I+r.SmoothNum, 1
		den, dDdI, dDdP = P+yi+r.SmoothDen, -1, 1
	case TverskyRatio:
		num, dNdI = I+r.SmoothNum, 1
		den, dDdI, dDdP = I+r.Alpha*pi+r.Beta*yi+r.SmoothDen, 1-r.Alpha-r.Beta, r.Alpha
	default:
		num, dNdI = 2*I+r.SmoothNum, 2
		den, dDdI, dDdP = P+Y+r.SmoothDen, 0, 1
	}
	if den == 0 {
		return r.shape(0), 0, 0
	}
	R := num / den
	bounded := r.SmoothNum <= r.SmoothDen && !(r.Squared && r.Kind == TverskyRatio)
	if bounded {
		R = min(R, 1)
	}
	dRdI := dNdI/den - num*dDdI/(den*den)
	dRdP := -num * dDdP / (den * den)
	var f, dfdR float64
	if r.Log {
		f, dfdR = -math.Log(R), -1/R
		if bounded {
			f = max(f, 0)
		}
	} else {
		f, dfdR = 1-R, -1
	}
	F, dFdf := r.power(f)
	return F, dFdf * dfdR * dRdI, dFdf * dfdR * dRdP
}

// power returns F = f^Gamma (f itself for Gamma 0 or 1; a fractional
// power of max(f, 0)) and dF/df.
func (r *Region) power(f float64) (F, dFdf float64) {
	g := r.Gamma
	if g == 0 || g == 1 {
		return f, 1
	}
	f = max(f, 0)
	if f <= 0 {
		return math.Pow(f, g), 0
	}
	return math.Pow(f, g), g * math.Pow(f, g-1)
}

// shape returns F for f (Gamma applied).
func (r *Region) shape(f float64) float64 {
	if g := r.Gamma; g != 0 && g != 1 {
		return math.Pow(max(f, 0), g)
	}
	return f
}

// regionSums are the statistics of one entry.
type regionSums struct{ I, P, PP, Y, YY, AD float64 }

// groups returns the entries' groups (images with PerImage, else 1) and
// the first class.
func (r *Region) groups(N int) (groups, c0 int) {
	groups = 1
	if r.PerImage {
		groups = N
	}
	if r.ExcludeBackground {
		c0 = 1
	}
	return groups, c0
}

// finalize returns the term's value, scaled by w, and adds its gradient
// coefficients to every image n of each entry through src.
func (r *Region) finalize(w float64, N, C int, src regionSrc) float64 {
	if w == 0 {
		return 0 // a term of weight 0 is absent (an infinite entry would make 0*Inf = NaN)
	}
	if g := r.Gamma; r.GammaOnMean && g != 0 && g != 1 {
		// F = w·m^g with m the mean of the entries without Gamma: the
		// entries' coefficients scaled by g·m^(g-1).
		rr := *r
		rr.Gamma, rr.GammaOnMean = 0, false
		m := max(rr.finalize(1, N, C, regionSrc{st: src.st, perImage: src.perImage, soft: src.soft}), 0)
		d := 0.0
		if m > 0 {
			d = g * math.Pow(m, g-1)
		}
		if d != 0 {
			rr.finalize(w*d, N, C, src)
		}
		return w * math.Pow(m, g)
	}
	if r.Kind == GeneralizedDiceRatio {
		return r.finalizeGDL(w, N, C, src, nil)
	}
	return r.finalizeEntries(w, N, C, src, nil)
}

// finalizeEntries is finalize for the per-class kinds; out, when not nil,
// receives each entry's value (groups × (C - c0), NaN for a skipped one)
// and no coefficient is added.
func (r *Region) finalizeEntries(w float64, N, C int, src regionSrc, out []float64) float64 {
	groups, c0 := r.groups(N)
	kept := 0
	for g := 0; g < groups; g++ {
		for c := c0; c < C; c++ {
			if r.Empty != EmptySkip || src.sums(g, c).Y != 0 {
				kept++
			}
		}
	}
	if kept == 0 && out == nil {
		return 0
	}
	scale := w
	if r.Reduction == Mean && kept > 0 {
		scale = w / float64(kept)
	}
	var value float64
	for g := 0; g < groups; g++ {
		for c := c0; c < C; c++ {
			s := src.sums(g, c)
			k := g*(C-c0) + c - c0
			if s.Y == 0 && r.Empty != EmptyComputed {
				if out != nil {
					out[k] = math.NaN()
					if r.Empty == EmptyZero {
						out[k] = 0
					}
				}
				continue
			}
			sc := scale
			if r.Weight != nil {
				sc *= float64(r.Weight[c])
			}
			P, Y := s.P, s.Y
			if r.Squared {
				P, Y = s.PP, s.YY
			}
			var F, dI, dP float64
			soft := r.SoftLabel && (src.st.kind == kindSigmoid || src.soft)
			switch {
			case r.Kind == MCCRatio:
				F, dI, dP = r.mcc(s.I, P, Y, src.count(g))
			case soft:
				// I = (P + Y - AD)/2: dI/dp = (1 - sgn(p - y))/2
				F, dI, dP = r.entry((P+Y-s.AD)/2, P, Y)
			default:
				F, dI, dP = r.entry(s.I, P, Y)
			}
			if out != nil {
				cw := 1.0
				if r.Weight != nil {
					cw = float64(r.Weight[c])
				}
				out[k] = cw * F
				continue
			}
			value += sc * F
			a, b, e, d := sc*dI, sc*dP, 0.0, 0.0
			if r.Squared {
				b, e = 0, 2*sc*dP
			}
			if soft {
				a, b, d = 0, sc*(dP+dI/2), -sc*dI/2
			}
			if r.PerImage {
				src.addCoefD(g, c, a, b, e, d)
			} else {
				for n := 0; n < N; n++ {
					src.addCoefD(n, c, a, b, e, d)
				}
			}
		}
	}
	return value
}

// mcc returns F = 1 - MCC of one entry (Gamma applied) and its derivatives
// by I and P, with M the entry's pixel count and eps = SmoothNum added to
// each soft count.
func (r *Region) mcc(I, P, Y, M float64) (F, dI, dP float64) {
	eps := r.SmoothNum
	// Clamped like entry's: the counts are >= 0 in exact arithmetic.
	tp := I + eps
	fp := max(P-I, 0) + eps
	fn := max(Y-I, 0) + eps
	tn := max(M-P-Y+I, 0) + eps
	num := tp*tn - fp*fn
	q := (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
	if q == 0 {
		// 0/0 (eps = 0): a perfect score, as entry's. A NaN q (a NaN
		// probability) goes on to a NaN value: NaN propagates.
		return r.shape(0), 0, 0
	}
	sq := math.Sqrt(q)
	m := num / sq
	// d num: by I, tn + tp + fn + fp; by P, -tp - fn. d q: by I, 0 (each
	// factor's I terms cancel); by P, (tp+fn)(tn+fp)((tn+fn) - (tp+fp)).
	dNumI, dNumP := tn+tp+fn+fp, -tp-fn
	dQP := (tp + fn) * (tn + fp) * ((tn + fn) - (tp + fp))
	dmI := dNumI / sq
	dmP := dNumP/sq - num*dQP/(2*q*sq)
	f := 1 - m
	F, dFdf := r.power(f)
	return F, -dFdf * dmI, -dFdf * dmP
}

// gdlWeight returns the weight of a class with target sum y (+Inf for an
// absent class under GDLSquare and GDLSimple).
func (r *Region) gdlWeight(y float64) float64 {
	switch r.GDLWeight {
	case GDLSimple:
		return 1 / y
	case GDLUniform:
		return 1
	}
	return 1 / (y * y)
}

// finalizeGDL is finalize for GeneralizedDiceRatio: one ratio per group;
// out, when not nil, receives each group's value and no coefficient is
// added.
func (r *Region) finalizeGDL(w float64, N, C int, src regionSrc, out []float64) float64 {
	groups, c0 := r.groups(N)
	scale := w
	if r.Reduction == Mean {
		scale = w / float64(groups)
	}
	wc := make([]float64, C)
	var value float64
	for g := 0; g < groups; g++ {
		// Weights from the targets; infinite ones take the largest finite.
		big := 0.0
		for c := c0; c < C; c++ {
			wc[c] = r.gdlWeight(src.sums(g, c).Y)
			if !math.IsInf(wc[c], 1) {
				big = max(big, wc[c])
			}
		}
		var num, den float64
		for c := c0; c < C; c++ {
			if math.IsInf(wc[c], 1) {
				wc[c] = big
			}
			s := src.sums(g, c)
			num += wc[c] * s.I
			den += wc[c] * (max(s.P-s.I, 0) + s.I + s.Y)
		}
		num = 2*num + r.SmoothNum
		den += r.SmoothDen
		F, dN, dD := 0.0, 0.0, 0.0
		if den != 0 {
			R := num / den
			if r.SmoothNum <= r.SmoothDen {
				R = min(R, 1)
			}
			var dFdf float64
			F, dFdf = r.power(1 - R)
			// F = 1 - num/den: dF/dnum = -1/den, dF/dden = num/den².
			dN, dD = -dFdf/den, dFdf*num/(den*den)
		} else {
			F = r.shape(0)
		}
		if out != nil {
			out[g] = F
			continue
		}
		value += scale * F
		for c := c0; c < C; c++ {
			// num has 2 w_c I_c, den has w_c (P_c + Y_c).
			a, b := scale*dN*2*wc[c], scale*dD*wc[c]
			if r.PerImage {
				src.addCoef(g, c, a, b, 0)
			} else {
				for n := 0; n < N; n++ {
					src.addCoef(n, c, a, b, 0)
				}
			}
		}
	}
	return value
}

// Entries writes into dst the value of each entry of the term for the
// statistics st (MONAI's reduction="none"): for the per-class kinds, one
// per group (image with PerImage, else the batch) and kept class, group
// major, class weights applied (Gamma too, unless GammaOnMean), NaN for an entry EmptySkip leaves out and
// 0 for one EmptyZero scores; for GeneralizedDiceRatio, one per group. dst
// has that many elements (EntriesLen); other lengths, bad options and
// Stats the term cannot read are errors.
func (r *Region) Entries(st *Stats, dst []float64) error {
	n, err := r.EntriesLen(st)
	if err != nil {
		return err
	}
	if len(dst) != n {
		return fmt.Errorf("%w: dst has %d elements, want %d entries", ErrLength, len(dst), n)
	}
	src := regionSrc{st: st, perImage: r.PerImage}
	if r.Kind == GeneralizedDiceRatio {
		r.finalizeGDL(1, st.N, st.C, src, dst)
		return nil
	}
	rr := *r
	if rr.GammaOnMean {
		rr.Gamma = 0 // the entries before the mean's power
	}
	rr.finalizeEntries(1, st.N, st.C, src, dst)
	return nil
}

// EntriesLen returns the number of values Entries writes for st.
func (r *Region) EntriesLen(st *Stats) (int, error) {
	if err := st.checkShape(); err != nil {
		return 0, err
	}
	if err := r.check(st.C); err != nil {
		return 0, err
	}
	groups, c0 := r.groups(st.N)
	if r.Kind == GeneralizedDiceRatio {
		return groups, nil
	}
	return groups * (st.C - c0), nil
}
