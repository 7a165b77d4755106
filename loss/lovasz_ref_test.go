package loss

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/segloss/segloss/internal/kernels"
)

// The Lovász losses as they were before the packed sort (commit fce9431):
// float64 errors, a radix sort of their float32 roundings with separate
// key and index arrays, runs of equal roundings ordered by the float64
// errors, then lovaszGrad over every element. TestLovaszMatchesRef holds
// the new code to these results (bit for bit but for the softmax loss's
// order of summation). It takes its probabilities from softmax64 (float32
// exps; it had math.Exp, refSoftmax64 below), so that the comparison is
// of the sorts and sums alone; TestSoftmax64 compares the two softmaxes.

// lovaszGrad turns fg, the foreground flags of the sorted errors, into the
// Lovász gradient g in place: g_k = J_k - J_{k-1}, J_k = 1 - (G -
// cumsum(fg)_k) / (G + cumsum(1-fg)_k), G = Σ fg.
func refLovaszGrad(g []float64) {
	var G float64
	for _, v := range g {
		G += v
	}
	var cf, cb, prev float64
	for k, v := range g {
		cf += v
		cb += 1 - v
		j := 1 - (G-cf)/(G+cb)
		g[k] = j - prev
		prev = j
	}
}

// refLovaszScratch holds one sort's buffers.
type refLovaszScratch struct {
	keys, tk []uint32
	idx, ti  []int32
	g        []float64
}

func newRefLovaszScratch(n int) *refLovaszScratch {
	return &refLovaszScratch{make([]uint32, n), make([]uint32, n), make([]int32, n), make([]int32, n), make([]float64, n)}
}

// extension returns Σ_k f(e_sorted_k)·g_k for errors e (their positive
// part when hinge) and foreground flags fg, and writes into de[i] the
// derivative by e_i (g at i's rank, 0 where hinge clips). The errors are
// float64 and ordered as such, so the order is that of the exact errors
// of the float32 inputs (a float32 order could swap two errors closer than
// its rounding, and with them two Lovász weights): the radix sort runs on
// the float32 roundings (a monotonic map, three passes), and each run of
// equal roundings is then ordered by the float64 values, stably.
func (sc *refLovaszScratch) extension(e []float64, fg []bool, hinge bool, de []float64) float64 {
	n := len(e)
	keys, idx, g := sc.keys[:n], sc.idx[:n], sc.g[:n]
	for i, v := range e {
		keys[i], idx[i] = kernels.SortKey(float32(v)), int32(i)
	}
	kernels.SortDesc(keys, idx, sc.tk[:n], sc.ti[:n])
	for a := 0; a < n; {
		b := a + 1
		for b < n && keys[b] == keys[a] {
			b++
		}
		if b-a > 32 {
			// A long run (many errors within one float32 rounding):
			// a stable sort, not a quadratic one.
			slices.SortStableFunc(idx[a:b], func(x, y int32) int { return cmp.Compare(e[y], e[x]) })
		} else if b-a > 1 {
			// Insertion sort, descending, stable: runs are short.
			for k := a + 1; k < b; k++ {
				v := idx[k]
				j := k
				for j > a && e[idx[j-1]] < e[v] {
					idx[j] = idx[j-1]
					j--
				}
				idx[j] = v
			}
		}
		a = b
	}
	for k, i := range idx {
		g[k] = 0
		if fg[i] {
			g[k] = 1
		}
	}
	refLovaszGrad(g)
	var loss float64
	for k, i := range idx {
		v := float64(e[i])
		if hinge {
			if v <= 0 {
				de[i] = 0
				continue
			}
		}
		loss += v * g[k]
		de[i] = g[k]
	}
	return loss
}

// Loss returns the Lovász-softmax loss of logits (N × C × S) against
// class-index labels and, when grad is not nil, adds weight × its gradient
// by the logits into grad. Labels outside [0, C) that are not ignored are
// an error. A batch (or image) with no class to count has loss 0, as in
// SMP. It allocates scratch of the logits' size.
func refLovaszLoss(l *Lovasz, logits []float32, labels Labels, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := l.check(logits, sh, weight, grad, sh.N*sh.S); err != nil {
		return 0, err
	}
	if err := rangeErr(weight, "the Lovász weight"); grad != nil && err != nil {
		// Each gradient element is at most |weight|: the value alone.
		v, _ := refLovaszLoss(l, logits, labels, sh, 0, nil)
		return v, err
	}
	if labels.Len() != sh.N*sh.S {
		return 0, fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), sh.N*sh.S)
	}
	if err := checkLabels(labels, sh.C, l.Ignore); err != nil {
		return 0, err
	}
	N, C, S := sh.N, sh.C, sh.S
	// Probabilities in float64: the errors 1 - p of confident pixels keep
	// their digits (float32 would leave a few), and the sort sees them.
	p := make([]float64, len(logits))
	t32 := make([]float32, 2*kernels.BlockSize)
	t64 := make([]float64, kernels.BlockSize)
	for n := 0; n < N; n++ {
		softmax64(p[n*C*S:(n+1)*C*S], S, logits[n*C*S:(n+1)*C*S], C, S, t32, t64)
	}
	label := func(j int) int32 {
		if labels.i32 != nil {
			return labels.i32[j]
		}
		return int32(labels.u8[j])
	}
	// dp accumulates dL/dp of each group's class mean (before 1/groups).
	var dp []float64
	if grad != nil {
		dp = make([]float64, len(logits))
	}
	groups, per := 1, N*S
	if l.PerImage {
		groups, per = N, S
	}
	sc := newRefLovaszScratch(per)
	e := make([]float64, per)
	fg := make([]bool, per)
	de := make([]float64, per)
	base := make([]int, per) // a valid pixel's class-0 index in p: n*C*S + i
	lab := make([]int32, per)
	present := make([]bool, C)
	var total float64
	for gr := 0; gr < groups; gr++ {
		m := 0
		clear(present)
		for j := gr * per; j < (gr+1)*per; j++ {
			v := label(j)
			if l.Ignore.set && v == l.Ignore.label {
				continue
			}
			n, i := j/S, j%S
			base[m], lab[m] = n*C*S+i, v
			m++
			present[v] = true
		}
		counted := 0
		for c := range present {
			if m > 0 && (present[c] || l.AllClasses) {
				counted++
			}
		}
		if counted == 0 {
			continue // SMP's mean of no classes: 0
		}
		var sum float64
		for c := 0; c < C; c++ {
			if !present[c] && !l.AllClasses {
				continue
			}
			off := c * S
			for k := range m {
				fg[k] = int(lab[k]) == c
				e[k] = p[base[k]+off]
				if fg[k] {
					e[k] = 1 - e[k]
				}
			}
			sum += sc.extension(e[:m], fg[:m], false, de[:m])
			if dp == nil {
				continue
			}
			inv := 1 / float64(counted)
			for k := range m {
				// e = |fg - p|: de/dp is -1 on the class's pixels, +1
				// elsewhere.
				d := de[k] * inv
				if fg[k] {
					d = -d
				}
				dp[base[k]+off] += d
			}
		}
		total += sum / float64(counted)
	}
	total /= float64(groups)
	if dp != nil {
		scale := weight / float64(groups)
		for n := 0; n < N; n++ {
			softmaxJacobian(dp[n*C*S:(n+1)*C*S], p[n*C*S:(n+1)*C*S], C, S)
		}
		for i, v := range dp {
			grad[i] += float32(scale * v)
		}
	}
	return total, nil
}

// BinaryLoss returns the Lovász hinge loss of logits (N × C × S, each
// channel its own binary problem, as SMP's binary mode flattens them)
// against 0/1 targets, and when grad is not nil adds weight × its gradient
// into grad. Targets equal to the ignore value take no part; other targets
// must be 0 or 1.
func refLovaszBinaryLoss(l *Lovasz, logits, targets []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := l.check(logits, sh, weight, grad, sh.Len(), targets); err != nil {
		return 0, err
	}
	if l.Ignore.set && int(float32(l.Ignore.v)) != l.Ignore.v {
		return 0, fmt.Errorf("%w: ignore value %d is not a float32 target", ErrOption, l.Ignore.v)
	}
	if err := rangeErr(weight, "the Lovász weight"); grad != nil && err != nil {
		v, _ := refLovaszBinaryLoss(l, logits, targets, sh, 0, nil)
		return v, err
	}
	if len(targets) != sh.Len() {
		return 0, fmt.Errorf("%w: targets have %d elements, want N*C*S = %d", ErrLength, len(targets), sh.Len())
	}
	ign := float32(math.NaN())
	if l.Ignore.set {
		ign = float32(l.Ignore.v)
	}
	for i, v := range targets {
		if v != 0 && v != 1 && v != ign {
			return 0, fmt.Errorf("%w: target %v at index %d, want 0, 1 or the ignore value", ErrLabel, v, i)
		}
	}
	groups, per := 1, sh.Len()
	if l.PerImage {
		groups, per = sh.N, sh.C*sh.S
	}
	sc := newRefLovaszScratch(per)
	e := make([]float64, per)
	fg := make([]bool, per)
	de := make([]float64, per)
	pix := make([]int, per)
	var total float64
	scale := weight / float64(groups)
	for gr := 0; gr < groups; gr++ {
		m := 0
		for j := gr * per; j < (gr+1)*per; j++ {
			if targets[j] == ign {
				continue
			}
			pix[m] = j
			fg[m] = targets[j] == 1
			// errors = 1 - x·sign, sign = 2y - 1.
			sign := -1.0
			if fg[m] {
				sign = 1
			}
			e[m] = 1 - float64(logits[j])*sign
			m++
		}
		if m == 0 {
			continue // only ignored pixels: 0, as SMP
		}
		total += sc.extension(e[:m], fg[:m], true, de[:m])
		if grad == nil {
			continue
		}
		for k, j := range pix[:m] {
			d := -de[k] // de/dx = -sign
			if !fg[k] {
				d = de[k]
			}
			grad[j] += float32(scale * d)
		}
	}
	return total / float64(groups), nil
}

// softmax64 writes into p (C×S) the float64 softmax over the C planes of
// the logits x of one image.
func refSoftmax64(p []float64, x []float32, C, S int) {
	for i := 0; i < S; i++ {
		m := math.Inf(-1)
		for c := 0; c < C; c++ {
			m = max(m, float64(x[c*S+i]))
		}
		var sum float64
		for c := 0; c < C; c++ {
			v := math.Exp(float64(x[c*S+i]) - m)
			p[c*S+i] = v
			sum += v
		}
		for c := 0; c < C; c++ {
			p[c*S+i] /= sum
		}
	}
}
