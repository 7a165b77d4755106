package kernels

import (
	"errors"
	"math"
	"testing"
)

// TestSoftTargetChecks: bad lengths, ranges and nil arguments of the
// probability-target primitives are ErrArg, nothing read or written
// beyond the slices.
func TestSoftTargetChecks(t *testing.T) {
	const C, S = 3, 10
	x, y, dst := make([]float32, C*S), make([]float32, C*S), make([]float32, C*S)
	s32 := make([]float32, SoftScratchLen(C))
	six := func() *SoftTargetSums {
		return &SoftTargetSums{P: make([]float64, C), PY: make([]float64, C), Y: make([]float64, C), PP: make([]float64, C), YY: make([]float64, C), AD: make([]float64, C)}
	}
	p := &SoftTargetParams{C: C, CE: true, Region: true, Scratch32: s32}
	c := &SoftTargetCoef{C: C, CE: true, CEScale: 1, Scratch32: s32}
	ok := func(err error) bool { return errors.Is(err, ErrArg) }
	for i, err := range []error{
		SoftTargetRange(x[:C*S-1], y, S, 0, S, p, six()),
		SoftTargetRange(x, y[:C*S-1], S, 0, S, p, six()),
		SoftTargetRange(x, y, S, -1, S, p, six()),
		SoftTargetRange(x, y, S, 5, 4, p, six()),
		SoftTargetRange(x, y, S, 0, S+1, p, six()),
		SoftTargetRange(x, y, S, 0, S, nil, six()),
		SoftTargetRange(x, y, S, 0, S, p, nil),
		SoftTargetRange(x, y, S, 0, S, &SoftTargetParams{C: C, Scratch32: s32[:len(s32)-1]}, six()),
		SoftTargetRange(x, y, S, 0, S, &SoftTargetParams{C: C, CEWeight: make([]float32, C-1), Scratch32: s32}, six()),
		SoftTargetRange(x, y, S, 0, S, &SoftTargetParams{C: 0, Scratch32: s32}, six()),
		SoftTargetRange(x, y, S, 0, S, p, &SoftTargetSums{P: make([]float64, C)}),
		SoftTargetGradRange(x, y, S, 0, S, c, dst[:C*S-1]),
		SoftTargetGradRange(x, y, S, 0, S, nil, dst),
		SoftTargetGradRange(x, y, S, 0, S, &SoftTargetCoef{C: C, CE: true, CEWeight: make([]float32, C+1)[:C-1], Scratch32: s32}, dst),
		SoftTargetGradRange(x, y, S, 0, S, &SoftTargetCoef{C: C, Scratch32: s32[:len(s32)-1]}, dst),
		SoftTargetGradRange(x, y, S, 0, S, &SoftTargetCoef{C: C, Scratch32: s32, A: make([]float32, C), B: make([]float32, C), E: make([]float32, C)}, dst),
		SoftTargetGradRange(x, y, 1<<62, 0, 1, &SoftTargetCoef{C: 4, Scratch32: s32}, dst),
	} {
		if !ok(err) {
			t.Fatalf("case %d: error %v, want ErrArg", i, err)
		}
	}
	if err := SoftTargetRange(x, y, S, 0, S, p, six()); err != nil {
		t.Fatal(err)
	}
	if err := SoftTargetGradRange(x, y, S, 2, 7, c, dst); err != nil {
		t.Fatal(err)
	}
}

// TestSoftTargetHugeLogits: equal logits of -1e30 (or 3e38) give each pixel
// the cross entropy log C, not 0: the log-sum-exp was mx + log(sum), which
// a logit of 1e30 swallows (regression: FuzzSoft found it).
func TestSoftTargetHugeLogits(t *testing.T) {
	const C, S = 2, 3
	for _, v := range []float32{-1e30, 3e38, -3e38} {
		x := make([]float32, C*S)
		y := make([]float32, C*S)
		for i := range x {
			x[i] = v
		}
		for i := 0; i < S; i++ {
			y[i] = 1
		}
		out := &SoftTargetSums{P: make([]float64, C), PY: make([]float64, C), Y: make([]float64, C), PP: make([]float64, C), YY: make([]float64, C), AD: make([]float64, C)}
		if err := SoftTargetRange(x, y, S, 0, S, &SoftTargetParams{C: C, CE: true, Scratch32: make([]float32, SoftScratchLen(C))}, out); err != nil {
			t.Fatal(err)
		}
		// log(sum) is the tier's float32 log: within 1e-7 of it
		if want := S * math.Ln2; math.Abs(out.CE-want) > 1e-7*want {
			t.Fatalf("logits %v: CE %v, want %v", v, out.CE, want)
		}
	}
}
