package kernels

import (
	"github.com/segloss/segloss/internal/vmath"
	"math"
	"math/rand/v2"
	"testing"
)

// ulp32 returns the distance in units in the last place between got and the
// float64 reference want, measured at want's float32 magnitude.
func ulp32(got float32, want float64) float64 {
	if math.IsNaN(want) {
		if got != got {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsInf(want, 0) || float32(want) == got {
		if float64(got) == want || float32(want) == got {
			return 0
		}
		return math.Inf(1)
	}
	w := float32(want)
	if w == 0 || math.Abs(want) < 0x1p-126 {
		// denormal or zero reference: measure in units of the smallest denormal
		return math.Abs(float64(got)-want) / 0x1p-149
	}
	b := math.Float32bits(abs32(w))
	next := math.Float32frombits(b + 1)
	u := float64(next) - float64(abs32(w))
	return math.Abs(float64(got)-want) / u
}

// sweep returns the largest ULP error of f against ref over n samples drawn
// uniformly from [lo, hi], plus every float32 of the interval near its ends.
func sweep(f func(float32) float32, ref func(float64) float64, lo, hi float32, n int) (worst float64, at float32) {
	r := rand.New(rand.NewPCG(9, 10))
	try := func(x float32) {
		if e := ulp32(f(x), ref(float64(x))); e > worst {
			worst, at = e, x
		}
	}
	for i := 0; i < n; i++ {
		try(lo + (hi-lo)*r.Float32())
	}
	for x, k := lo, 0; k < 1000 && x <= hi; k++ {
		try(x)
		x = math.Nextafter32(x, hi)
	}
	for x, k := hi, 0; k < 1000 && x >= lo; k++ {
		try(x)
		x = math.Nextafter32(x, lo)
	}
	return worst, at
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TestAccuracy samples the scalar exp, log and sigmoid of the generic tier
// against float64 libm. The targets of docs/design.md (Numerics): exp <= 1.5
// ULP, log <= 1 ULP on [1, 256], sigmoid <= 2 ULP.
func TestAccuracy(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	for _, tc := range []struct {
		name   string
		f      func(float32) float32
		ref    func(float64) float64
		lo, hi float32
		max    float64
	}{
		{"exp", expf, math.Exp, vmath.ExpLo, vmath.ExpHi, 1.5},
		{"exp_small", expf, math.Exp, -1, 1, 1.5},
		{"log", logf, math.Log, 1, 256, 1},
		{"log_wide", logf, math.Log, 1e-30, 1e30, 1},
		{"sigmoid", sigmoidf, sigmoid64, -87, 88, 2},
		{"sigmoid_small", sigmoidf, sigmoid64, -8, 8, 2},
	} {
		worst, at := sweep(tc.f, tc.ref, tc.lo, tc.hi, n)
		t.Logf("%-14s max %.3f ULP (at %g)", tc.name, worst, at)
		if worst > tc.max {
			t.Errorf("%s: %.3f ULP at %g, want <= %v", tc.name, worst, at, tc.max)
		}
	}
}

func TestSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	den := math.Float32frombits(1)
	for _, tc := range []struct {
		name string
		f    func(float32) float32
		x    float32
		want float32
	}{
		{"exp(0)", expf, 0, 1}, {"exp(-0)", expf, float32(math.Copysign(0, -1)), 1},
		{"exp(+inf)", expf, inf, inf}, {"exp(-inf)", expf, -inf, 0}, {"exp(nan)", expf, nan, nan},
		{"exp(89)", expf, 89, inf}, {"exp(-88)", expf, -88, 0}, {"exp(-1e4)", expf, -1e4, 0},
		{"exp(denormal)", expf, den, 1},
		{"log(1)", logf, 1, 0}, {"log(0)", logf, 0, -inf}, {"log(-0)", logf, float32(math.Copysign(0, -1)), -inf},
		{"log(-1)", logf, -1, nan}, {"log(inf)", logf, inf, inf}, {"log(nan)", logf, nan, nan},
		{"log(-inf)", logf, -inf, nan},
		{"sigmoid(0)", sigmoidf, 0, 0.5}, {"sigmoid(inf)", sigmoidf, inf, 1}, {"sigmoid(-inf)", sigmoidf, -inf, 0},
		{"sigmoid(nan)", sigmoidf, nan, nan}, {"sigmoid(1e4)", sigmoidf, 1e4, 1}, {"sigmoid(-1e4)", sigmoidf, -1e4, 0},
		{"log1p(0)", log1pf, 0, 0}, {"log1p(1e-30)", log1pf, 1e-30, 1e-30},
		{"softplus(-1e4)", softplusf, -1e4, 0}, {"softplus(1e4)", softplusf, 1e4, 1e4},
		{"pow(0, 2)", func(q float32) float32 { return powf(q, 2) }, 0, 0},
		{"pow(0.5, 0)", func(q float32) float32 { return powf(q, 0) }, 0.5, 1},
	} {
		got := tc.f(tc.x)
		if got != tc.want && !(got != got && tc.want != tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	// log of a denormal: log(2^-149)
	if got, want := logf(den), float32(-149*math.Ln2); math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("log(2^-149) = %v, want %v", got, want)
	}
}
