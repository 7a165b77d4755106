package kernels

// The arguments every assembly tier (amd64 and arm64) takes beyond the Go
// structs: flag bits and exponent classes, decided once per call here.

// Flag bits of the assembly kernels beyond Flags (the generators in gen/
// use the same values).
const (
	flagAlpha   = 256  // the focal alpha weighting is on
	flagWeights = 512  // CE class weights
	flagSmooth  = 1024 // label smoothing
	flagPixW    = 4096 // softmax kernels: per-pixel weights
	flagNoX     = 8192 // probability gradient kernels: the gradient a*y + b reads no x (probsNoX)
	// flagProbs: softmax statistics kernels store the probabilities
	// (SoftmaxParams.Probs), gradient kernels read them from x
	// (SoftmaxCoef.FromProbs); amd64 only.
	flagProbs = 16384
)

// powMode classifies an exponent for the kernels' powf: 0, 1 and 2 are the
// special cases of powf in math.go, 3 is exp(g*log(q)).
func powMode(g float32) int {
	switch g {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return 2
	}
	return 3
}

// sigmoidStatsFlags returns the flags of a sigmoid statistics kernel.
func sigmoidStatsFlags(p *SigmoidParams) uint64 {
	flags := uint64(p.Need)
	if p.FocalAlpha >= 0 {
		flags |= flagAlpha
	}
	return flags
}

// probsNoX reports whether the gradient of c is a*y + b alone for
// probabilities: c.Probs with e, d and bceScale 0, so that the gradient
// needs no x (a gradient kernel does not read it; a fused one reads it for
// its sums only).
func probsNoX(c *SigmoidCoef) bool {
	return c.Probs && c.E == 0 && c.D == 0 && c.BCEScale == 0
}

// sigmoidGradFlags returns the flags of a sigmoid gradient kernel: the terms
// whose coefficients are not zero.
func sigmoidGradFlags(c *SigmoidCoef) uint64 {
	var flags uint64
	if c.A != 0 || c.B != 0 || c.E != 0 || c.D != 0 {
		flags |= uint64(NeedRegion)
	}
	if c.D != 0 {
		flags |= uint64(NeedAbsDiff)
	}
	if c.BCEScale != 0 {
		flags |= uint64(NeedCE)
	}
	if c.FocalScale != 0 {
		flags |= uint64(NeedFocal)
	}
	if c.FocalAlpha >= 0 {
		flags |= flagAlpha
	}
	if probsNoX(c) {
		flags |= flagNoX
	}
	return flags
}
