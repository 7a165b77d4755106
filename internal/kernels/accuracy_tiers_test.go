package kernels

import (
	"github.com/segloss/segloss/internal/vmath"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// accuracyDomains are the functions and intervals whose ULP error against
// float64 libm every tier must hold (docs/design.md, Numerics: exp <= 1.5
// ULP, log <= 1 ULP on [1, 256], sigmoid <= 2 ULP).
var accuracyDomains = []struct {
	name   string
	get    func(*tier) func(dst, x []float32)
	ref    func(float64) float64
	lo, hi float32
	max    float64
}{
	{"exp", func(t *tier) func(dst, x []float32) { return t.exp }, math.Exp, vmath.ExpLo, vmath.ExpHi, 1.5},
	{"log", func(t *tier) func(dst, x []float32) { return t.log }, math.Log, 1, 256, 1},
	{"log_wide", func(t *tier) func(dst, x []float32) { return t.log }, math.Log, 0x1p-149, math.MaxFloat32, 1},
	{"sigmoid", func(t *tier) func(dst, x []float32) { return t.sigmoid }, sigmoid64, -87, 88, 2},
}

// worstULP evaluates f on xs and returns the largest ULP error against ref.
func worstULP(f func(dst, x []float32), ref func(float64) float64, xs, buf []float32) (worst float64, at float32) {
	f(buf[:len(xs)], xs)
	for i, x := range xs {
		if e := ulp32(buf[i], ref(float64(x))); e > worst {
			worst, at = e, x
		}
	}
	return worst, at
}

// TestAccuracyTiers samples every tier's exp, log and sigmoid (the asm
// kernels, through the same entry points the losses use) against float64
// libm; `make test-exhaustive` sweeps every float32 instead.
func TestAccuracyTiers(t *testing.T) {
	n := 1 << 21
	if testing.Short() {
		n = 1 << 17
	}
	for _, tr := range tiers {
		for _, d := range accuracyDomains {
			r := rand.New(rand.NewPCG(11, 12))
			xs := make([]float32, 0, n+2000)
			for i := 0; i < n; i++ {
				if d.name == "log_wide" {
					xs = append(xs, math.Float32frombits(1+uint32(r.Uint64N(0x7f7fffff))))
				} else {
					xs = append(xs, d.lo+(d.hi-d.lo)*r.Float32())
				}
			}
			for x, k := d.lo, 0; k < 1000 && x <= d.hi; k++ {
				xs = append(xs, x)
				x = math.Nextafter32(x, d.hi)
			}
			for x, k := d.hi, 0; k < 1000 && x >= d.lo; k++ {
				xs = append(xs, x)
				x = math.Nextafter32(x, d.lo)
			}
			worst, at := worstULP(d.get(tr), d.ref, xs, make([]float32, len(xs)))
			t.Logf("%-8s %-9s max %.3f ULP (at %g), sampled", tr.name, d.name, worst, at)
			if worst > d.max {
				t.Errorf("%s %s: %.3f ULP at %g, want <= %v", tr.name, d.name, worst, at, d.max)
			}
		}
	}
}

// TestAccuracyExhaustive evaluates every float32 of each domain on every
// tier. It takes long (about 2e9 values for exp and sigmoid, per tier): run
// it with SEGLOSS_EXHAUSTIVE=1 (make test-exhaustive), or with a comma
// separated list of domains (SEGLOSS_EXHAUSTIVE=log,exp).
func TestAccuracyExhaustive(t *testing.T) {
	sel := os.Getenv("SEGLOSS_EXHAUSTIVE")
	if sel == "" {
		t.Skip("set SEGLOSS_EXHAUSTIVE=1 to sweep every float32")
	}
	for _, tr := range tiers {
		for _, d := range accuracyDomains {
			if sel != "1" && !slices.Contains(strings.Split(sel, ","), d.name) {
				continue
			}
			worst, at := exhaustive(d.get(tr), d.ref, d.lo, d.hi)
			t.Logf("%-8s %-9s max %.3f ULP (at %g), exhaustive", tr.name, d.name, worst, at)
			if worst > d.max {
				t.Errorf("%s %s: %.3f ULP at %g, want <= %v", tr.name, d.name, worst, at, d.max)
			}
		}
	}
}

// exhaustive sweeps every float32 in [lo, hi] in chunks over all CPUs.
func exhaustive(f func(dst, x []float32), ref func(float64) float64, lo, hi float32) (float64, float32) {
	// Walk the float32 values in order by their ordered-integer key.
	k0, k1 := ord(lo), ord(hi)
	const chunk = 1 << 16
	type res struct {
		worst float64
		at    float32
	}
	var mu sync.Mutex
	var best res
	next := k0
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs, buf := make([]float32, chunk), make([]float32, chunk)
			for {
				mu.Lock()
				a := next
				next += chunk
				mu.Unlock()
				if a > k1 {
					return
				}
				b := min(a+chunk-1, k1)
				xs = xs[:0]
				for k := a; k <= b; k++ {
					xs = append(xs, unord(k))
				}
				w, at := worstULP(f, ref, xs, buf)
				mu.Lock()
				if w > best.worst {
					best = res{w, at}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return best.worst, best.at
}

// unord is the inverse of ord.
func unord(k int64) float32 {
	if k < 0 {
		return math.Float32frombits(uint32(-k) | 1<<31)
	}
	return math.Float32frombits(uint32(k))
}

// expTieInputs returns the float32 x near every half-integer multiple of
// ln 2 in exp's domain: where x*log2e rounded to float32 can land on a tie
// (k + 1/2) that the exact product does not, so that rounding the rounded
// product (VRNDSCALEPS on VMULPS, FRINTN on FMUL) picks another n than the
// exact one expf and the magic-number FMA of the assembly take.
func expTieInputs() (xs []float32, doubleRounded int) {
	l := float64(float32(vmath.Log2e))
	for k := -127; k <= 128; k++ {
		x0 := float32((float64(k) + 0.5) / l)
		b := math.Float32bits(x0)
		for d := -64; d <= 64; d++ {
			x := math.Float32frombits(uint32(int64(b) + int64(d)))
			if x < vmath.ExpLo || x > vmath.ExpHi {
				continue
			}
			xs = append(xs, x)
			if math.RoundToEven(float64(x*float32(vmath.Log2e))) != math.RoundToEven(float64(x)*l) {
				doubleRounded++
			}
		}
	}
	return xs, doubleRounded
}

// TestExpTieBits: every tier's exp gives expf's bits at the inputs whose
// rounded product x*log2e is a tie (the n of the Cody-Waite reduction comes
// from the exact product on every tier); the set holds such inputs.
func TestExpTieBits(t *testing.T) {
	xs, dr := expTieInputs()
	if dr == 0 {
		t.Fatal("no input whose rounded product rounds to another n: the test checks nothing")
	}
	for _, tr := range tiers {
		got := make([]float32, len(xs))
		tr.exp(got, xs)
		for i, x := range xs {
			if want := expf(x); math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("%s: exp(%v) = %v (%#x), expf %v (%#x)", tr.name, x, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
			}
		}
	}
}

// TestExpBitsExhaustive: every tier's exp gives expf's bits for every
// float32 (SEGLOSS_EXHAUSTIVE=1 or a list holding exp_bits; about 3 min per
// tier).
func TestExpBitsExhaustive(t *testing.T) {
	sel := os.Getenv("SEGLOSS_EXHAUSTIVE")
	if sel != "1" && !slices.Contains(strings.Split(sel, ","), "exp_bits") {
		t.Skip("set SEGLOSS_EXHAUSTIVE=1 (or exp_bits) to compare every float32")
	}
	const chunk = 1 << 20
	xs, got := make([]float32, chunk), make([]float32, chunk)
	for _, tr := range tiers {
		if tr.name == "generic" {
			continue
		}
		for start := uint64(0); start < 1<<32; start += chunk {
			for i := range xs {
				xs[i] = math.Float32frombits(uint32(start + uint64(i)))
			}
			tr.exp(got, xs)
			for i, x := range xs {
				want := expf(x)
				if math.Float32bits(got[i]) != math.Float32bits(want) && (want == want || got[i] == got[i]) {
					t.Fatalf("%s: exp(%v) = %v (%#x), expf %v (%#x)", tr.name, x, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
		}
		t.Logf("%s: exp equals expf for every float32", tr.name)
	}
}
