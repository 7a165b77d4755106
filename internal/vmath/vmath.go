// Package vmath holds the constants of segloss's float32 exp and log: the
// one place both the Go specification (internal/kernels/math.go) and the assembly
// generators (gen/amd64, gen/arm64) take them from.
package vmath

const (
	// Log2e is log2(e), which turns x into n, the integer nearest the
	// exact product x * float32(Log2e).
	Log2e = 1.44269504088896341

	// Ln2Hi and Ln2Lo split ln 2 for the Cody-Waite reduction
	// r = x - n*Ln2Hi - n*Ln2Lo: Ln2Hi has few enough significant bits that
	// n*Ln2Hi is exact for |n| <= 256.
	Ln2Hi = 0.693359375
	Ln2Lo = -2.12194440e-4

	// Above ExpHi exp returns +Inf (exp(ExpHi) itself rounds to +Inf; the
	// largest finite input is 88.72283172607421875). Below ExpLo, the
	// float32 nearest ln(2^-126), exp returns exactly 0; at ExpLo itself
	// the result is just below 2^-126, the only denormal exp gives.
	ExpHi = 88.72283935546875
	ExpLo = -87.33654475055310898657

	// ExpP0..ExpP5 are the exp polynomial (Cephes expf):
	// exp(r) ~ 1 + r + r^2*(P5 + P4 r + P3 r^2 + P2 r^3 + P1 r^4 + P0 r^5),
	// evaluated by Horner's rule from P0 down to the two 1s.
	ExpP0 = 1.9875691500e-4
	ExpP1 = 1.3981999507e-3
	ExpP2 = 8.3334519073e-3
	ExpP3 = 4.1665795894e-2
	ExpP4 = 1.6666665459e-1
	ExpP5 = 5.0000001201e-1

	// LogQ0..LogQ8 are the Cephes logf polynomial on m-1, m in
	// [SqrtHalf, 2*SqrtHalf).
	LogQ0    = 7.0376836292e-2
	LogQ1    = -1.1514610310e-1
	LogQ2    = 1.1676998740e-1
	LogQ3    = -1.2420140846e-1
	LogQ4    = 1.4249322787e-1
	LogQ5    = -1.6668057665e-1
	LogQ6    = 2.0000714765e-1
	LogQ7    = -2.4999993993e-1
	LogQ8    = 3.3333331174e-1
	SqrtHalf = 0.707106781186547524
)
