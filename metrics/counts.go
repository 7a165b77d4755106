package metrics

import (
	"math"

	"github.com/segloss/segloss/internal/kernels"
	"github.com/segloss/segloss/loss"
)

// ImageCounts are the per-class confusion counts of one image: TP[c], FP[c]
// and FN[c] for class (or channel) c.
type ImageCounts struct {
	TP, FP, FN []int64
}

// Counts accumulates per-class confusion counts over batches, images and
// workers. Set C (and the options) before the first Add; the zero value of
// every other field is ready to use. A Counts must not be used by two
// goroutines at the same time: give each worker its own and Merge them. A
// copy of a Counts shares its TP, FP, FN and Images slices with the
// original (Merge into a fresh Counts for an independent one). Add and
// AddBinary only read their logits, labels and targets.
type Counts struct {
	// C is the number of classes (Add) or channels (AddBinary), at least 1.
	// The shape of every batch added must have this C.
	C int
	// Ignore names a label whose pixels count in no class (Add only), as
	// loss.Multiclass.Ignore does.
	Ignore loss.IgnoreIndex
	// Threshold is the sigmoid probability above which AddBinary predicts
	// positive, in (0, 1); 0 means 0.5. The logit is compared with
	// log(t/(1-t)) rounded to float32.
	Threshold float64
	// PerImage keeps each image's counts in Images besides the totals, for
	// per-image results (MONAI's batch=False, loss.Region.PerImage).
	PerImage bool

	// TP, FP and FN hold the totals per class over everything added
	// (length C once something was added).
	TP, FP, FN []int64
	// Images holds one entry per image added, in the order added (and, after
	// Merge, the other Counts' images after these), when PerImage.
	Images []ImageCounts
}

// Add adds the confusion counts of a batch of softmax logits (NCHW, shape
// sh, sh.C == C) against one class index per pixel (N*S labels): for every
// pixel whose label y is not ignored, with k the first class of largest
// logit, TP[y]++ when k == y, else FP[k]++ and FN[y]++. A NaN logit never
// wins the argmax unless it is in class 0 (kernels.Confusion).
//
// Labels must be in [0, C) or the ignore index. On error nothing is added.
func (m *Counts) Add(logits []float32, labels loss.Labels, sh loss.Shape) error {
	if err := m.check(sh, len(logits)); err != nil {
		return err
	}
	if labels.Len() != sh.N*sh.S {
		return labelsLenErr(labels.Len(), sh)
	}
	if err := labels.Check(sh.C, m.Ignore); err != nil {
		return fromLoss(err)
	}
	m.grow()
	ign, useIgn := m.Ignore.Label()
	N, C, S := sh.N, sh.C, sh.S
	for n := 0; n < N; n++ {
		x := logits[n*C*S : (n+1)*C*S]
		tp, fp, fn := m.TP, m.FP, m.FN
		if m.PerImage {
			im := newImage(C)
			m.Images = append(m.Images, im)
			tp, fp, fn = im.TP, im.FP, im.FN
		}
		if l := labels.Int32(); l != nil {
			kernels.Confusion(x, S, C, l[n*S:(n+1)*S], int32(ign), useIgn, tp, fp, fn)
		} else {
			kernels.Confusion(x, S, C, labels.Uint8()[n*S:(n+1)*S], int32(ign), useIgn, tp, fp, fn)
		}
		if m.PerImage {
			addTo(m.TP, tp)
			addTo(m.FP, fp)
			addTo(m.FN, fn)
		}
	}
	return nil
}

// AddBinary adds the confusion counts of a batch of sigmoid logits (NCHW,
// shape sh, sh.C == C channels, binary or multi-label) against float
// targets of the same shape: in channel c, an element is predicted positive
// when sigmoid(logit) > Threshold and is a positive target when its target
// is >= 0.5 (kernels.ConfusionBinary); NaN logits predict negative. Ignore
// does not apply. Targets must be in [0, 1]. On error nothing is added.
func (m *Counts) AddBinary(logits, targets []float32, sh loss.Shape) error {
	if err := m.check(sh, len(logits)); err != nil {
		return err
	}
	if len(targets) != sh.Len() {
		return errorf(loss.ErrLength, "targets have %d elements, want N*C*S = %d", len(targets), sh.Len())
	}
	for i, v := range targets {
		if !(v >= 0 && v <= 1) {
			return errorf(loss.ErrLabel, "target %v at index %d, want a value in [0, 1]", v, i)
		}
	}
	m.grow()
	thr := m.logitThreshold()
	N, C, S := sh.N, sh.C, sh.S
	for n := 0; n < N; n++ {
		var im ImageCounts
		if m.PerImage {
			im = newImage(C)
		}
		for c := 0; c < C; c++ {
			o := (n*C + c) * S
			var b kernels.BinaryCounts
			kernels.ConfusionBinary(logits[o:o+S], targets[o:o+S], thr, &b)
			m.TP[c] += b.TP
			m.FP[c] += b.FP
			m.FN[c] += b.FN
			if m.PerImage {
				im.TP[c], im.FP[c], im.FN[c] = b.TP, b.FP, b.FN
			}
		}
		if m.PerImage {
			m.Images = append(m.Images, im)
		}
	}
	return nil
}

// Merge adds the counts of o (another batch, another worker) to m: the
// totals add up and, with PerImage, o's images are appended after m's. C,
// Ignore, Threshold and PerImage must be the same in both. On error m is
// unchanged. o is not modified.
func (m *Counts) Merge(o *Counts) error {
	if o == nil {
		return errorf(loss.ErrOption, "Merge of a nil Counts")
	}
	if err := m.checkConfig(); err != nil {
		return err
	}
	if err := o.checkConfig(); err != nil {
		return err
	}
	if o.C != m.C {
		return errorf(loss.ErrShape, "Merge of counts with C = %d into counts with C = %d", o.C, m.C)
	}
	if o.Ignore != m.Ignore || o.threshold() != m.threshold() || o.PerImage != m.PerImage {
		return errorf(loss.ErrOption, "Merge of counts with other options (Ignore, Threshold or PerImage differ)")
	}
	for _, im := range o.Images {
		if len(im.TP) != o.C || len(im.FP) != o.C || len(im.FN) != o.C {
			return errorf(loss.ErrLength, "Merge: an image of the other counts does not have C = %d classes", o.C)
		}
	}
	if o.TP == nil {
		return nil
	}
	m.grow()
	addTo(m.TP, o.TP)
	addTo(m.FP, o.FP)
	addTo(m.FN, o.FN)
	k := len(o.Images) // o may be m
	for _, im := range o.Images[:k] {
		c := newImage(m.C)
		copy(c.TP, im.TP)
		copy(c.FP, im.FP)
		copy(c.FN, im.FN)
		m.Images = append(m.Images, c)
	}
	return nil
}

// Reset zeroes the totals and drops the per-image counts, keeping C and the
// options, for the next epoch's evaluation.
func (m *Counts) Reset() {
	clear(m.TP)
	clear(m.FP)
	clear(m.FN)
	clear(m.Images)
	m.Images = m.Images[:0]
}

// checkConfig validates C, Threshold and the totals' lengths.
func (m *Counts) checkConfig() error {
	if m.C < 1 {
		return errorf(loss.ErrShape, "Counts.C = %d, want at least 1", m.C)
	}
	if t := m.Threshold; t != 0 && !(t > 0 && t < 1) {
		return errorf(loss.ErrOption, "Counts.Threshold = %v, want a probability in (0, 1) or 0 for 0.5", t)
	}
	if m.TP != nil || m.FP != nil || m.FN != nil {
		if len(m.TP) != m.C || len(m.FP) != m.C || len(m.FN) != m.C {
			return errorf(loss.ErrLength, "Counts has %d, %d, %d TP, FP, FN totals, want C = %d each",
				len(m.TP), len(m.FP), len(m.FN), m.C)
		}
	}
	return nil
}

// check validates the counts' options and a batch's shape and logits.
func (m *Counts) check(sh loss.Shape, nLogits int) error {
	if err := m.checkConfig(); err != nil {
		return err
	}
	if sh.N < 1 || sh.C < 1 || sh.S < 1 {
		return errorf(loss.ErrShape, "N=%d C=%d S=%d, each must be at least 1", sh.N, sh.C, sh.S)
	}
	const maxInt = int(^uint(0) >> 1)
	if sh.N > maxInt/sh.C || sh.N*sh.C > maxInt/sh.S {
		return errorf(loss.ErrShape, "N*C*S overflows")
	}
	if sh.C != m.C {
		return errorf(loss.ErrShape, "shape has C = %d, the counts C = %d", sh.C, m.C)
	}
	if nLogits != sh.Len() {
		return errorf(loss.ErrLength, "logits have %d elements, want N*C*S = %d", nLogits, sh.Len())
	}
	return nil
}

func (m *Counts) threshold() float64 {
	if m.Threshold == 0 {
		return 0.5
	}
	return m.Threshold
}

// logitThreshold returns the logit of the probability threshold.
func (m *Counts) logitThreshold() float32 {
	t := m.threshold()
	return float32(math.Log(t / (1 - t)))
}

func (m *Counts) grow() {
	if m.TP == nil {
		m.TP, m.FP, m.FN = make([]int64, m.C), make([]int64, m.C), make([]int64, m.C)
	}
}

func newImage(C int) ImageCounts {
	b := make([]int64, 3*C)
	return ImageCounts{TP: b[:C:C], FP: b[C : 2*C : 2*C], FN: b[2*C:]}
}

func addTo(dst, src []int64) {
	for i, v := range src {
		dst[i] += v
	}
}
