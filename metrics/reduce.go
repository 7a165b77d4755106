package metrics

import (
	"fmt"
	"math"

	"github.com/segloss/segloss/loss"
)

// Reduction says how a matrix of per-image, per-class scores becomes the
// reported value: MONAI's MetricReduction (monai.metrics.utils
// do_metric_reduction), NaN entries (classes the empty policy skips) left
// out of every mean and counted out of the not-NaN counts.
type Reduction int

const (
	// ReduceMean averages each image's classes, then the images that have
	// any class (MONAI's "mean", DiceMetric's default). It differs from a
	// flat mean over (image, class) when images have different numbers of
	// skipped classes.
	ReduceMean Reduction = iota
	// ReduceSum adds every entry.
	ReduceSum
	// ReduceMeanBatch averages over the images, one value per class.
	ReduceMeanBatch
	// ReduceSumBatch adds over the images, one value per class.
	ReduceSumBatch
	// ReduceMeanChannel averages over the classes, one value per image.
	ReduceMeanChannel
	// ReduceSumChannel adds over the classes, one value per image.
	ReduceSumChannel
	// ReduceNone keeps the matrix.
	ReduceNone
)

// String returns MONAI's name of the reduction.
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "mean"
	case ReduceSum:
		return "sum"
	case ReduceMeanBatch:
		return "mean_batch"
	case ReduceSumBatch:
		return "sum_batch"
	case ReduceMeanChannel:
		return "mean_channel"
	case ReduceSumChannel:
		return "sum_channel"
	case ReduceNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// Reduce reduces f, an N × C row-major matrix of scores (NaN where a score
// is missing), as MONAI's do_metric_reduction does, and returns the values
// and their not-NaN counts (get_not_nans): one value for ReduceMean and
// ReduceSum, C for the batch reductions, N for the channel ones, N·C for
// ReduceNone (NaN kept, counts 0 or 1). A mean over nothing is 0, as in
// MONAI. f is not modified. N, C below 1, a length other than N·C and an
// unknown reduction are errors.
func Reduce(f []float64, N, C int, r Reduction) (values, notNaN []float64, err error) {
	if N < 1 || C < 1 || N > len(f)/C || len(f) != N*C {
		return nil, nil, errorf(loss.ErrShape, "Reduce: %d scores for N = %d, C = %d", len(f), N, C)
	}
	if r < ReduceMean || r > ReduceNone {
		return nil, nil, errorf(loss.ErrOption, "unknown Reduction %d", int(r))
	}
	at := func(n, c int) (float64, float64) {
		v := f[n*C+c]
		if math.IsNaN(v) {
			return 0, 0
		}
		return v, 1
	}
	div := func(s, k float64) float64 {
		if k > 0 {
			return s / k
		}
		return 0
	}
	switch r {
	case ReduceNone:
		values, notNaN = append([]float64(nil), f...), make([]float64, len(f))
		for i, v := range f {
			if !math.IsNaN(v) {
				notNaN[i] = 1
			}
		}
	case ReduceMean, ReduceMeanChannel, ReduceSumChannel:
		values, notNaN = make([]float64, N), make([]float64, N)
		for n := 0; n < N; n++ {
			var s, k float64
			for c := 0; c < C; c++ {
				v, ok := at(n, c)
				s, k = s+v, k+ok
			}
			values[n], notNaN[n] = s, k
			if r != ReduceSumChannel {
				values[n] = div(s, k)
			}
		}
		if r == ReduceMean {
			var s, k float64
			for n := range values {
				s += values[n]
				if notNaN[n] > 0 {
					k++
				}
			}
			values, notNaN = []float64{div(s, k)}, []float64{k}
		}
	case ReduceMeanBatch, ReduceSumBatch:
		values, notNaN = make([]float64, C), make([]float64, C)
		for c := 0; c < C; c++ {
			var s, k float64
			for n := 0; n < N; n++ {
				v, ok := at(n, c)
				s, k = s+v, k+ok
			}
			values[c], notNaN[c] = s, k
			if r == ReduceMeanBatch {
				values[c] = div(s, k)
			}
		}
	case ReduceSum:
		var s, k float64
		for n := 0; n < N; n++ {
			for c := 0; c < C; c++ {
				v, ok := at(n, c)
				s, k = s+v, k+ok
			}
		}
		values, notNaN = []float64{s}, []float64{k}
	}
	return values, notNaN, nil
}

// Metric names a per-class score of Scores.
type Metric int

const (
	// MetricDice is Scores.Dice.
	MetricDice Metric = iota
	// MetricIoU is Scores.IoU.
	MetricIoU
)

// ImageMatrix returns the per-image scores of metric as an N × C' matrix,
// row-major, the input of Reduce (MONAI's metric buffer): C' = C, or C - 1
// when the Result was computed with ExcludeBackground (MONAI drops the
// background channel). A Result without per-image counts is an error.
func (r Result) ImageMatrix(metric Metric) (f []float64, N, C int, err error) {
	if len(r.Images) == 0 {
		return nil, 0, 0, errorf(loss.ErrOption, "ImageMatrix: the counts were not kept per image (Counts.PerImage)")
	}
	if metric != MetricDice && metric != MetricIoU {
		return nil, 0, 0, errorf(loss.ErrOption, "unknown Metric %d", int(metric))
	}
	c0 := 0
	if r.excludeBackground {
		c0 = 1
	}
	N = len(r.Images)
	for i, im := range r.Images {
		v := im.Dice
		if metric == MetricIoU {
			v = im.IoU
		}
		if i == 0 {
			C = len(v) - c0
			if C < 1 {
				return nil, 0, 0, errorf(loss.ErrLength, "ImageMatrix: image 0 has %d scores", len(v))
			}
			f = make([]float64, 0, N*C)
		}
		if len(v) != C+c0 {
			return nil, 0, 0, errorf(loss.ErrLength, "ImageMatrix: image %d has %d scores, image 0 %d", i, len(v), C+c0)
		}
		f = append(f, v[c0:]...)
	}
	return f, N, C, nil
}

// GeneralizedDice returns MONAI's generalized Dice score
// (compute_generalized_dice, the GeneralizedDiceScore metric) of the
// per-image counts, as a matrix for Reduce: with sumOverClasses one score
// per image, 2 Σ_c w_c TP_c / Σ_c w_c (2TP_c + FP_c + FN_c) (N × 1);
// otherwise each class's own ratio (N × C', C' = C or C - 1 without the
// background), which the weights cancel out of. w_c is 1/Y_c² (GDLSquare),
// 1/Y_c or 1 from the target counts Y_c = TP_c + FN_c; a class absent
// from an image's target takes the image's largest finite weight. A zero
// denominator scores 1 when nothing was predicted, else 0, as MONAI. The
// counts must have been kept PerImage. MONAI's GeneralizedDiceScore sums
// over the classes for the reductions mean, sum, mean_channel and
// sum_channel, and not for mean_batch, sum_batch and none: pass
// sumOverClasses accordingly to get its values from Reduce.
func (m *Counts) GeneralizedDice(weight loss.GDLWeight, excludeBackground, sumOverClasses bool) (f []float64, N, C int, err error) {
	if err := m.checkConfig(); err != nil {
		return nil, 0, 0, err
	}
	if len(m.Images) == 0 {
		return nil, 0, 0, errorf(loss.ErrOption, "GeneralizedDice: the counts were not kept per image (Counts.PerImage)")
	}
	if weight < loss.GDLSquare || weight > loss.GDLUniform {
		return nil, 0, 0, errorf(loss.ErrOption, "unknown GDLWeight %d", int(weight))
	}
	if excludeBackground && m.C < 2 {
		return nil, 0, 0, errorf(loss.ErrOption, "ExcludeBackground with C = %d leaves no class", m.C)
	}
	c0 := 0
	if excludeBackground {
		c0 = 1
	}
	N, C = len(m.Images), m.C-c0
	if sumOverClasses {
		f = make([]float64, 0, N)
	} else {
		f = make([]float64, 0, N*C)
	}
	w := make([]float64, m.C)
	for i, im := range m.Images {
		if len(im.TP) != m.C || len(im.FP) != m.C || len(im.FN) != m.C {
			return nil, 0, 0, errorf(loss.ErrLength, "image %d does not have C = %d counts", i, m.C)
		}
		big := 0.0
		for c := c0; c < m.C; c++ {
			y := float64(im.TP[c] + im.FN[c])
			switch weight {
			case loss.GDLSimple:
				w[c] = 1 / y
			case loss.GDLUniform:
				w[c] = 1
			default:
				w[c] = 1 / (y * y)
			}
			if !math.IsInf(w[c], 1) {
				big = max(big, w[c])
			}
		}
		var num, den float64
		var pred int64
		for c := c0; c < m.C; c++ {
			if math.IsInf(w[c], 1) {
				w[c] = big
			}
			tp, fp, fn := float64(im.TP[c]), float64(im.FP[c]), float64(im.FN[c])
			nc, dc := 2*tp*w[c], (2*tp+fp+fn)*w[c]
			if sumOverClasses {
				num, den = num+nc, den+dc
				pred += im.TP[c] + im.FP[c]
				continue
			}
			f = append(f, gdScore(nc, dc, im.TP[c]+im.FP[c]))
		}
		if sumOverClasses {
			f = append(f, gdScore(num, den, pred))
		}
	}
	if sumOverClasses {
		C = 1
	}
	return f, N, C, nil
}

// gdScore is num/den, or for den = 0, 1 when nothing was predicted and 0
// otherwise.
func gdScore(num, den float64, pred int64) float64 {
	if den == 0 {
		if pred == 0 {
			return 1
		}
		return 0
	}
	return num / den
}
