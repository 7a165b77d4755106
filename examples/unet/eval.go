package main

import (
	"math"

	"github.com/segloss/segloss/distance"
	"github.com/segloss/segloss/loss"
	"github.com/segloss/segloss/metrics"
)

// SmallCell is the largest area, in pixels, of a cell counted as small
// (a disc of radius 6.2 has about 120).
const SmallCell = 120

// Scores are the test-set results of one model, for the cell class, from
// hard (argmax) predictions.
type Scores struct {
	// Dice, IoU, Precision and Recall pool the pixels of every image.
	Dice, IoU, Precision, Recall float64
	// HD95 is the mean over images of the 95th percentile Hausdorff
	// distance between predicted and true cell surfaces (distance.Surfaces,
	// pixels; an empty prediction counts as the image's diagonal).
	HD95 float64
	// ASSD is the mean over images of the average symmetric surface
	// distance (pixels).
	ASSD float64
	// Separated counts the true cells matched one-to-one, at IoU > 0.5, by
	// a connected component (4-connectivity) of the predicted foreground:
	// cells that came out as objects of their own. Cells is the number of
	// true cells, Components the number of predicted components.
	Separated, Cells, Components int
	// SmallFound and Small are the same count and total for the small
	// cells (area <= SmallCell).
	SmallFound, Small int
	// GapRecall is the share of gap pixels (background between two cells,
	// Sample.Gap) predicted background: what keeps touching cells apart.
	GapRecall float64
}

// Evaluate scores the logits of every image of set (set[k]'s at
// k*Classes*S).
func Evaluate(logits []float32, set Set) (Scores, error) {
	var sc Scores
	side := set[0].Side
	s := side * side
	shape := []int{side, side}
	c := metrics.Counts{C: Classes}
	var surf distance.Surfaces
	comp := make([]int32, s)
	var gaps, gapsKept int
	for k, x := range set {
		lg := logits[k*Classes*s : (k+1)*Classes*s]
		if err := c.Add(lg, loss.U8(x.Label), loss.NewShape(1, Classes, side, side)); err != nil {
			return sc, err
		}
		pred := argmax(lg, s)
		if err := surf.Compute(pred, x.Label, shape, &distance.SurfaceOptions{Empty: distance.EmptyBounded}); err != nil {
			return sc, err
		}
		hd, err := surf.Hausdorff(95, false)
		if err != nil {
			return sc, err
		}
		sc.HD95 += hd
		sc.ASSD += surf.AverageDistance(true)
		for i, g := range x.Gap {
			if g {
				gaps++
				if pred[i] == 0 {
					gapsKept++
				}
			}
		}
		nc, err := distance.Components(comp, pred, shape, 1)
		if err != nil {
			return sc, err
		}
		sc.Components += nc
		sep, cells, small, smallFound := matchInstances(x.Instances, x.Cells, comp, nc)
		sc.Separated += sep
		sc.Cells += cells
		sc.Small += small
		sc.SmallFound += smallFound
	}
	sc.HD95 /= float64(len(set))
	sc.ASSD /= float64(len(set))
	tp, fp, fn := c.TP[1], c.FP[1], c.FN[1]
	sc.Dice = metrics.Dice(tp, fp, fn, metrics.BothEmptyOne)
	sc.IoU = metrics.IoU(tp, fp, fn, metrics.BothEmptyOne)
	sc.Precision = ratio(tp, tp+fp)
	sc.Recall = ratio(tp, tp+fn)
	sc.GapRecall = ratio(int64(gapsKept), int64(gaps))
	return sc, nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// matchInstances matches true instances (ids 1..cells) with predicted
// components (1..nc) at IoU > 0.5, which makes the matching one-to-one
// (two regions of IoU above 0.5 with one region overlap each other), and
// returns the number matched, the number of cells, and the same two counts
// for small cells (area <= SmallCell).
func matchInstances(inst []int32, cells int, comp []int32, nc int) (matched, total, small, smallMatched int) {
	area := make([]int, cells+1)
	parea := make([]int, nc+1)
	// Overlaps of each cell with the components it meets.
	type key struct{ t, p int32 }
	inter := map[key]int{}
	for i, t := range inst {
		p := comp[i]
		area[t]++
		parea[p]++
		if t != 0 && p != 0 {
			inter[key{t, p}]++
		}
	}
	hit := make([]bool, cells+1)
	for k, n := range inter {
		union := area[k.t] + parea[k.p] - n
		if 2*n > union {
			hit[k.t] = true
		}
	}
	for t := 1; t <= cells; t++ {
		isSmall := area[t] <= SmallCell
		if isSmall {
			small++
		}
		if hit[t] {
			matched++
			if isSmall {
				smallMatched++
			}
		}
	}
	return matched, cells, small, smallMatched
}
