package metrics

import (
	"fmt"
	"math"

	"github.com/segloss/segloss/loss"
)

// EmptyPolicy says what Dice and IoU a class (or, per image, an image and
// class) scores when it is empty: the formula 2TP/(2TP+FP+FN) is 0/0 for a
// class absent from both prediction and target, and a class absent from the
// target alone can only score 0. NaN scores are left out of every mean.
//
// The Both* policies only act on a class absent from both prediction and
// target (TP = FP = FN = 0); a class absent from the target but predicted
// scores 0, by the formula. The Target* policies act on every class absent
// from the target (TP = FN = 0), whatever was predicted: this is what the
// Region losses' EmptySkip and EmptyZero do, and what MONAI's DiceMetric
// ignore_empty=True does.
type EmptyPolicy int

const (
	// BothEmptyOne scores 1 for a class absent from both prediction and
	// target: a perfect empty prediction. It is what loss.EmptyComputed (the
	// losses' default) gives with its smoothing, and MONAI's DiceMetric
	// with ignore_empty=False.
	BothEmptyOne EmptyPolicy = iota
	// BothEmptySkip scores NaN (left out of the means) for a class absent
	// from both prediction and target.
	BothEmptySkip
	// BothEmptyZero scores 0 for a class absent from both prediction and
	// target.
	BothEmptyZero
	// TargetEmptySkip scores NaN for every class absent from the target,
	// even where it was predicted: loss.EmptySkip, MONAI's DiceMetric
	// ignore_empty=True.
	TargetEmptySkip
	// TargetEmptyOne scores 1 for every class absent from the target, even
	// where it was predicted: loss.EmptyZero (segmentation_models_pytorch).
	TargetEmptyOne
)

// String returns the policy's name.
func (p EmptyPolicy) String() string {
	switch p {
	case BothEmptyOne:
		return "BothEmptyOne"
	case BothEmptySkip:
		return "BothEmptySkip"
	case BothEmptyZero:
		return "BothEmptyZero"
	case TargetEmptySkip:
		return "TargetEmptySkip"
	case TargetEmptyOne:
		return "TargetEmptyOne"
	}
	return fmt.Sprintf("EmptyPolicy(%d)", int(p))
}

// EmptyFromLoss returns the policy under which the metric agrees with a
// Region loss of that empty policy: on one-hot predictions (softmax or
// sigmoid outputs of exactly 0 and 1), Dice = 1 - Dice loss and IoU = 1 -
// IoU loss, per class and in the macro mean, up to the loss's smoothing
// (with smoothing s, |difference| < s per class). Mapping:
//
//	loss.EmptyComputed -> BothEmptyOne
//	loss.EmptySkip     -> TargetEmptySkip
//	loss.EmptyZero     -> TargetEmptyOne
//
// One case differs: when every class is skipped, the loss is 0 and the
// metric's mean is NaN.
func EmptyFromLoss(p loss.EmptyPolicy) (EmptyPolicy, error) {
	switch p {
	case loss.EmptyComputed:
		return BothEmptyOne, nil
	case loss.EmptySkip:
		return TargetEmptySkip, nil
	case loss.EmptyZero:
		return TargetEmptyOne, nil
	}
	return 0, errorf(loss.ErrOption, "unknown loss.EmptyPolicy %d", int(p))
}

// empty returns the score of counts the policy decides on, and whether it
// decides.
func (p EmptyPolicy) empty(tp, fp, fn int64) (float64, bool) {
	targetEmpty := tp == 0 && fn == 0
	bothEmpty := targetEmpty && fp == 0
	switch p {
	case BothEmptyOne:
		return 1, bothEmpty
	case BothEmptySkip:
		return math.NaN(), bothEmpty
	case BothEmptyZero:
		return 0, bothEmpty
	case TargetEmptySkip:
		return math.NaN(), targetEmpty
	case TargetEmptyOne:
		return 1, targetEmpty
	}
	return math.NaN(), true
}

// Dice returns 2TP / (2TP + FP + FN), or what the policy gives for an empty
// class (see EmptyPolicy).
func Dice(tp, fp, fn int64, p EmptyPolicy) float64 {
	if v, ok := p.empty(tp, fp, fn); ok {
		return v
	}
	return 2 * float64(tp) / (2*float64(tp) + float64(fp) + float64(fn))
}

// IoU returns the Jaccard index TP / (TP + FP + FN), or what the policy
// gives for an empty class (see EmptyPolicy).
func IoU(tp, fp, fn int64, p EmptyPolicy) float64 {
	if v, ok := p.empty(tp, fp, fn); ok {
		return v
	}
	return float64(tp) / (float64(tp) + float64(fp) + float64(fn))
}

// Options select how Result turns counts into scores.
type Options struct {
	// ExcludeBackground leaves class 0 out of every mean and reports NaN
	// for it (MONAI include_background=False, loss.Region's
	// ExcludeBackground). It needs C >= 2.
	ExcludeBackground bool
	// Empty is the policy for empty classes; the zero value, BothEmptyOne,
	// agrees with the losses' default loss.EmptyComputed.
	Empty EmptyPolicy
}

// Scores are the Dice and IoU of one set of counts (all images, or one).
type Scores struct {
	// Dice and IoU hold one score per class (length C): NaN where the
	// policy skips the class, and for class 0 with ExcludeBackground.
	Dice, IoU []float64
	// MacroDice and MacroIoU are the means of the per-class scores that
	// are not NaN (NaN when every class is NaN): 1 - the loss.Region Dice
	// or IoU loss of one-hot predictions with batch aggregation, under the
	// policy EmptyFromLoss maps and without class weights.
	MacroDice, MacroIoU float64
	// MicroDice and MicroIoU are computed from the counts summed over the
	// included classes, the policy applied to the sums. With Add (argmax)
	// and every class included, each misclassified pixel is one FP and one
	// FN, so MicroDice is the pixel accuracy.
	MicroDice, MicroIoU float64
	// NotNaN is the number of per-class Dice scores that are not NaN, the
	// classes MacroDice averages (MONAI's not_nans). Under BothEmptyOne
	// (the default) a class with no counts at all scores 1, so counts to
	// which nothing was added, or only ignored pixels, score MacroDice 1
	// with NotNaN = C; under BothEmptySkip they score NaN with NotNaN = 0.
	NotNaN int
}

// Result holds the scores of a Counts.
type Result struct {
	// Scores are those of the totals over every image added.
	Scores
	// Images holds the scores of each image, when the counts were kept
	// PerImage.
	Images []Scores
	// ImageDice and ImageIoU are the flat means over every (image, class)
	// score of Images that is not NaN: 1 - the loss.Region loss with
	// PerImage of one-hot predictions. NaN without per-image counts. MONAI's
	// DiceMetric reduction "mean" averages each image's classes first, then
	// the images: ImageMatrix and Reduce with ReduceMean give that (and
	// every other MONAI reduction).
	ImageDice, ImageIoU float64

	excludeBackground bool
}

// Result returns the per-class, macro, micro and per-image Dice and IoU of
// the counts. Counts to which nothing was added (or only ignored pixels)
// score as empty classes: 1 under the default BothEmptyOne, NaN under
// BothEmptySkip (see Scores.NotNaN). NaN scores are left out of every mean.
func (m *Counts) Result(opt Options) (Result, error) {
	if err := m.checkConfig(); err != nil {
		return Result{}, err
	}
	if opt.Empty < BothEmptyOne || opt.Empty > TargetEmptyOne {
		return Result{}, errorf(loss.ErrOption, "unknown EmptyPolicy %d", int(opt.Empty))
	}
	if opt.ExcludeBackground && m.C < 2 {
		return Result{}, errorf(loss.ErrOption, "ExcludeBackground with C = %d leaves no class", m.C)
	}
	tp, fp, fn := m.TP, m.FP, m.FN
	if tp == nil {
		tp, fp, fn = make([]int64, m.C), make([]int64, m.C), make([]int64, m.C)
	}
	r := Result{Scores: scores(tp, fp, fn, opt), ImageDice: math.NaN(), ImageIoU: math.NaN(), excludeBackground: opt.ExcludeBackground}
	if len(m.Images) > 0 {
		r.Images = make([]Scores, len(m.Images))
		var sd, si float64
		var kd, ki int
		for i, im := range m.Images {
			if len(im.TP) != m.C || len(im.FP) != m.C || len(im.FN) != m.C {
				return Result{}, errorf(loss.ErrLength, "image %d does not have C = %d counts", i, m.C)
			}
			s := scores(im.TP, im.FP, im.FN, opt)
			r.Images[i] = s
			for c := range s.Dice {
				if !math.IsNaN(s.Dice[c]) {
					sd += s.Dice[c]
					kd++
				}
				if !math.IsNaN(s.IoU[c]) {
					si += s.IoU[c]
					ki++
				}
			}
		}
		if kd > 0 {
			r.ImageDice = sd / float64(kd)
		}
		if ki > 0 {
			r.ImageIoU = si / float64(ki)
		}
	}
	return r, nil
}

func scores(tp, fp, fn []int64, opt Options) Scores {
	C := len(tp)
	s := Scores{Dice: make([]float64, C), IoU: make([]float64, C)}
	c0 := 0
	if opt.ExcludeBackground {
		c0 = 1
		s.Dice[0], s.IoU[0] = math.NaN(), math.NaN()
	}
	var sTP, sFP, sFN int64
	for c := c0; c < C; c++ {
		s.Dice[c] = Dice(tp[c], fp[c], fn[c], opt.Empty)
		s.IoU[c] = IoU(tp[c], fp[c], fn[c], opt.Empty)
		sTP += tp[c]
		sFP += fp[c]
		sFN += fn[c]
	}
	s.MacroDice, s.MacroIoU = nanMean(s.Dice[c0:]), nanMean(s.IoU[c0:])
	for _, d := range s.Dice[c0:] {
		if !math.IsNaN(d) {
			s.NotNaN++
		}
	}
	s.MicroDice, s.MicroIoU = Dice(sTP, sFP, sFN, opt.Empty), IoU(sTP, sFP, sFN, opt.Empty)
	return s
}

// nanMean returns the mean of the values that are not NaN, or NaN.
func nanMean(v []float64) float64 {
	var s float64
	k := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}
