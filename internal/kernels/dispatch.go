package kernels

import (
	"fmt"
	"os"
	"sync/atomic"
)

// Label is the element type of class-index targets.
type Label interface{ ~uint8 | ~int32 }

// tier is one implementation of every primitive.
type tier struct {
	name string

	exp, log, sigmoid func(dst, x []float32)

	// The sigmoid kernels take per-element weights w: nil, or at least
	// len(x) floats (generic.go's sigmoidStatsGeneric says how they enter).
	sigmoidStats func(x, y, w []float32, p *SigmoidParams, s *SigmoidSums[float32])
	sigmoidGrad  func(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 // returns the Bits of y (and x with c.Probs)
	sigmoidFused func(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, s *SigmoidSums[float32], dst []float32)

	softmaxStatsU8  func(x []float32, S, lo, hi int, lab []uint8, p *SoftmaxParams, s *SoftmaxSums[float32])
	softmaxStatsI32 func(x []float32, S, lo, hi int, lab []int32, p *SoftmaxParams, s *SoftmaxSums[float32])
	softmaxGradU8   func(x []float32, S, lo, hi int, lab []uint8, c *SoftmaxCoef, dst []float32)
	softmaxGradI32  func(x []float32, S, lo, hi int, lab []int32, c *SoftmaxCoef, dst []float32)
	softmaxFusedU8  func(x []float32, S, lo, hi int, lab []uint8, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32)
	softmaxFusedI32 func(x []float32, S, lo, hi int, lab []int32, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32)

	// The probability-target kernels (soft.go: softTargetStatsGeneric and
	// softTargetGradGeneric say what they compute).
	softStats func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32
	softGrad  func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32)

	confusionU8  func(x []float32, S, C, lo, hi int, lab []uint8, ign int32, useIgn bool, tp, fp, fn []int64)
	confusionI32 func(x []float32, S, C, lo, hi int, lab []int32, ign int32, useIgn bool, tp, fp, fn []int64)
	confusionBin func(x, y []float32, thr float32, n *BinaryCounts)

	// sum is the roofline reduction (optional: nil uses the generic one).
	sum func(x []float32) float32
	// copy is the roofline copy (optional: nil uses the Go runtime's memmove).
	copy func(dst, src []float32)

	// edtScan is EDTScan on checked arguments (optional: nil, on the
	// generic tier, uses edtScanGeneric, and the distance package the
	// envelope instead).
	edtScan func(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) uint64
	// nearScan1 and nearScan2 are NearScan1 and NearScan2 on checked
	// arguments (optional, as edtScan).
	nearScan1 func(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32)
	nearScan2 func(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int)

	// fence orders the non-temporal stores of the softmax gradient and
	// fused kernels (asm flag 2048), which leave it to their caller: one
	// SFENCE after the last block of a range instead of one per block (5%
	// of a non-temporal gradient pass on Intel). nil: the tier makes none.
	fence func()

	// slowProbs: the tier's softmax kernels leave SoftmaxParams.Probs and
	// SoftmaxCoef.FromProbs to the generic code (NEON), so a loss does
	// better recomputing the softmax (SoftmaxProbsPay).
	slowProbs bool
}

// SoftmaxProbsPay reports whether the softmax kernels that run C classes
// store the probabilities of a statistics pass (SoftmaxParams.Probs) and
// take them in the gradient pass (SoftmaxCoef.FromProbs) at their own
// speed, so that a loss with region terms saves the gradient pass's
// exponentials by them. Either way the results are the same, bit for bit.
func SoftmaxProbsPay(C int) bool { return !tierFor(C).slowProbs }

// tiers lists the implementations this CPU runs, best first. The generic
// tier is always last.
var tiers = supportedTiers()

var active atomic.Pointer[tier]

func init() {
	t := tiers[0]
	if name := os.Getenv("SEGLOSS_KERNEL"); name != "" {
		if f := find(name); f != nil {
			t = f
		} else {
			fmt.Fprintf(os.Stderr, "segloss: SEGLOSS_KERNEL=%q is not a tier this CPU runs (available: %v); using %s\n",
				name, Available(), t.name)
		}
	}
	active.Store(t)
}

func find(name string) *tier {
	for _, t := range tiers {
		if t.name == name {
			return t
		}
	}
	return nil
}

// Available returns the names of the tiers this CPU runs, best first; the
// last one is always "generic".
func Available() []string {
	names := make([]string, len(tiers))
	for i, t := range tiers {
		names[i] = t.name
	}
	return names
}

// Active returns the name of the tier in use.
func Active() string { return active.Load().name }

// Use switches every primitive to the named tier. It is meant for tests and
// benchmarks; calls running concurrently with Use finish on either tier.
func Use(name string) error {
	t := find(name)
	if t == nil {
		return fmt.Errorf("kernels: tier %q is not available on this CPU (available: %v)", name, Available())
	}
	active.Store(t)
	return nil
}
