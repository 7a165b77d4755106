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

	// ExpC2..ExpC6 are the exp polynomial on the reduced argument r,
	// |r| <= ln2/2: exp(r) ~ 1 + r + C2 r^2 + C3 r^3 + C4 r^4 + C5 r^5 +
	// C6 r^6, evaluated by Horner's rule from C6 down to the two 1s (six
	// FMAs). The coefficients minimise the largest relative error on
	// [-ln2/2, ln2/2] (3.4e-2 ULP before float32 rounding; Lawson's
	// iteration on a weighted least-squares fit with the constant fixed at
	// 1), each the float32 nearest the fit (C1 rounds to 1 exactly; 0.29
	// ULP with the coefficients rounded): TestExpFit reruns the fit and
	// checks them.
	ExpC2 = 0.49999994
	ExpC3 = 0.16666432
	ExpC4 = 0.041668005
	ExpC5 = 0.008374179
	ExpC6 = 0.0013843627

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
