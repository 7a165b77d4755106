package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/segloss/segloss/internal/kernels"
)

// Lovasz is the Lovász loss of Berman et al. (2018), as
// segmentation_models_pytorch's LovaszLoss computes it: the Lovász
// extension of the Jaccard loss over each class's errors sorted in
// descending order. Loss is the Lovász-softmax (multiclass mode: errors
// |fg - p_c| of softmax probabilities, the mean over classes); BinaryLoss
// is the Lovász hinge (binary mode: errors 1 - x·(2y - 1) of the logits,
// their positive part). Like the distance terms it runs outside the fused
// passes (a sort per class) and adds weight × its gradient into a buffer.
// The sort is an LSD radix sort on the float32 bits, stable, so ties
// keep pixel order; torch's sort breaks ties in its own way, which only
// chooses among the subgradients at a tie.
type Lovasz struct {
	// PerImage averages the images' losses instead of one loss over the
	// batch (SMP's per_image).
	PerImage bool
	// AllClasses counts every class, also those absent from the labels;
	// by default only the present ones (SMP's classes="present").
	AllClasses bool
	// Ignore names a label (Loss) or target value (BinaryLoss) whose pixels
	// take no part (SMP's ignore_index).
	Ignore IgnoreIndex
}

// check checks the arguments common to both losses: the sorts index a
// group of up to n elements with int32, and the gradient is at most
// |weight| per element.
func (l *Lovasz) check(logits []float32, sh Shape, weight float64, grad []float32, n int, ins ...[]float32) error {
	if err := checkDistArgs(logits, sh, weight, grad, ins...); err != nil {
		return err
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("%w: %d elements in one sort, want fewer than 2^31 (use PerImage)", ErrShape, n)
	}
	return nil
}

// The words sorted: SortKey of the error (or, for the hinge, a key of the
// same order) in the high half, the foreground flag in bit 31 and the
// element's position in the group below it (groups have fewer than 2^31
// elements, Lovasz.check).
const (
	lovaszFG  = 1 << 31
	lovaszPos = 1<<31 - 1
)

// lovaszBuckets is how many buckets of positions the softmax gradient
// goes back through (softmaxClass), as many as a SortPacked digit has:
// with 256, each bucket's span outgrows the caches and the pass over the
// buckets cost more than the fewer store streams saved (profiles here:
// 1.6 s against 1.0 to 1.2 s of softmaxClass over the same runs).
const (
	lovaszBucketBits = 11
	lovaszBuckets    = 1 << lovaszBucketBits
)

// lovaszScratch holds one group's buffers: the words and the sort's
// scratch, and, in bucket order, each sorted word's low half (flag and
// position) and the gradient at its rank.
type lovaszScratch struct {
	w, t []uint64
	rw   []uint32
	rg   []float64
}

// lovaszJ is the Lovász extension's Jaccard term after cf foreground and
// cb background errors of a group with G foreground ones: J = 1 - (G -
// cf) / (G + cb); the gradient at a rank is J there less J at the rank
// before.
func lovaszJ(G, cf, cb float64) float64 { return 1 - (G-cf)/(G+cb) }

// Which errors the sort needs: past the last foreground error in sorted
// order J is 1 and every gradient 0, so the background errors below the
// smallest foreground one (with no foreground, below the largest error)
// take no part; nor, for the hinge, the errors <= 0 (their part is
// clipped, and they come last). Dropping them leaves the loss and the
// gradient bit for bit what the whole sort gives. With a NaN error
// nothing is dropped.

// softmaxClass returns Σ_k e_k·g_k over the sorted errors e = |fg - p| of
// one class c and group (the group's pixels j: class c's probability p[j],
// label lab[j], none where ignored; m pixels not ignored) and, when dp is
// not nil, adds ∓inv·g_k (the gradient at k's rank by p) into dp at each
// pixel that takes part.
// Errors are ordered exactly, as float64: the words sort on their float32
// roundings (a monotonic map), and each run of equal roundings is then
// ordered by the float64 errors, stably.
//
// The pass in sorted order writes each gradient next to its word's low
// half into buckets of 2^shift consecutive positions (at most
// lovaszBuckets of them, so the stores go to few places at a time, as in a
// radix pass), and the pass over the buckets then reads p and writes dp
// within one bucket's span: no load or store lands at a random place in
// the group's arrays. The loss sums in that bucket order.
func softmaxClass[L uint8 | int32](sc *lovaszScratch, p []float64, lab []L, none L, m int, c L, dp []float64, inv float64) float64 {
	p = p[:len(lab)]
	err := func(x uint64) float64 { // the error of a word
		e := p[x&lovaszPos]
		if x&lovaszFG != 0 {
			e = 1 - e
		}
		return e
	}
	G := 0
	lo, hi := math.Inf(1), math.Inf(-1) // the smallest foreground error, the largest error
	nan := false
	w := sc.w[:m]
	k := 0
	for j, v := range lab {
		if v == none {
			continue
		}
		e := p[j]
		var f uint64
		if v == c {
			e = 1 - e
			G++
			f = lovaszFG
			if e < lo {
				lo = e
			}
		}
		if e > hi {
			hi = e
		}
		if e != e {
			nan = true
		}
		w[k] = uint64(kernels.SortKey(float32(e)))<<32 | f | uint64(j)
		k++
	}
	if G == 0 {
		lo = hi
	}
	shift := max(0, bits.Len(uint(len(lab)-1))-lovaszBucketBits)
	var cnt [lovaszBuckets]uint32
	n := m
	if !nan {
		// Keep keys <= top: float32(e) >= float32(lo).
		top := uint64(kernels.SortKey(float32(lo)))<<32 | (1<<32 - 1)
		n = 0
		for _, x := range w {
			w[n] = x
			if x <= top {
				n++
				cnt[(x&lovaszPos)>>shift]++
			}
		}
	} else {
		for _, x := range w {
			cnt[(x&lovaszPos)>>shift]++
		}
	}
	var sum uint32
	for d, v := range cnt {
		cnt[d] = sum
		sum += v
	}
	s := kernels.SortPacked(w[:n], sc.t)
	rw, rg := sc.rw[:n], sc.rg[:n]
	Gf := float64(G)
	var cf, cb, prev float64
	end := 0
	for k, x := range s {
		if k == end {
			// A run of equal float32 roundings starts here: order it by
			// the float64 errors.
			end = k + 1
			for end < len(s) && s[end]>>32 == x>>32 {
				end++
			}
			if end-k > 1 {
				orderRun(s[k:end], err)
				x = s[k]
			}
		}
		if x&lovaszFG != 0 {
			cf++
		} else {
			cb++
		}
		j := lovaszJ(Gf, cf, cb)
		b := (x & lovaszPos) >> shift
		rw[cnt[b]], rg[cnt[b]] = uint32(x), j-prev
		cnt[b]++
		prev = j
	}
	var loss float64
	for r, x := range rw {
		i := x & lovaszPos
		g := rg[r]
		e, d := p[i], g*inv
		if x&lovaszFG != 0 {
			// e = |fg - p|: de/dp is -1 on the class's pixels, +1
			// elsewhere.
			e, d = 1-e, -d
		}
		loss += e * g
		if dp != nil {
			dp[i] += d
		}
	}
	return loss
}

// orderRun orders words of equal float32 roundings by their float64
// errors err, descending and stably.
func orderRun(run []uint64, err func(uint64) float64) {
	if len(run) > 32 {
		// A long run (many errors within one float32 rounding): a stable
		// sort, not a quadratic one.
		slices.SortStableFunc(run, func(x, y uint64) int { return cmp.Compare(err(y), err(x)) })
		return
	}
	for k := 1; k < len(run); k++ {
		v := run[k]
		e := err(v)
		j := k
		for j > 0 && err(run[j-1]) < e {
			run[j] = run[j-1]
			j--
		}
		run[j] = v
	}
}

// hingeKey maps v = -x·sign (the hinge error is 1 + v, exactly, in
// float64) to a key whose ascending order is the errors' descending one:
// SortKey of v with -0 made +0 (both give the error 1) and every NaN
// first.
func hingeKey(v float32) uint32 {
	if v != v {
		return 0
	}
	return kernels.SortKey(v + 0)
}

// hingeValue inverts hingeKey: the v of a key (NaN for key 0).
func hingeValue(key uint32) float32 {
	b := ^key
	if b&(1<<31) != 0 {
		b &^= 1 << 31
	} else {
		b = ^b
	}
	return math.Float32frombits(b)
}

// hingeTiny bounds the |v| below which two different v can give the same
// error 1 + v in float64 (beyond 2^-29 the sum is exact).
const hingeTiny = 0x1p-28

// hinge returns the Lovász hinge of one group (logits x, targets y, the
// ignore value ign) and, when grad is not nil, adds scale × its gradient
// into grad (the group's part of it); 0 when every target is ignored.
// The words sort on the float32 v of each error 1 + v, which
// orders the float64 errors exactly except that different v below
// hingeTiny can round to one error; when two such are kept, the runs of
// equal errors are put back in position order.
func (sc *lovaszScratch) hinge(x, y []float32, ign float32, grad []float32, scale float64) float64 {
	y = y[:len(x)]
	G, m := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	nan := false
	for i, t := range y {
		if t == ign {
			continue
		}
		m++
		e := 1 + float64(x[i])
		if t == 1 {
			e = 1 - float64(x[i])
			G++
			if e < lo {
				lo = e
			}
		}
		if e > hi {
			hi = e
		}
		if e != e {
			nan = true
		}
	}
	if m == 0 {
		return 0 // only ignored pixels: 0, as SMP
	}
	if G == 0 {
		lo = hi
	}
	if nan {
		lo = math.Inf(-1)
	}
	w := sc.w[:m]
	n, tiny := 0, 0
	for i, t := range y {
		if t == ign {
			continue
		}
		v, f := x[i], uint64(0)
		if t == 1 {
			v, f = -v, lovaszFG
		}
		e := 1 + float64(v)
		w[n] = uint64(hingeKey(v))<<32 | f | uint64(i)
		if !(e <= 0) && (f != 0 || !(e < lo)) {
			n++
			if math.Abs(float64(v)) < hingeTiny {
				tiny++
			}
		}
	}
	s := kernels.SortPacked(w[:n], sc.t)
	if tiny > 1 {
		orderTiny(s)
	}
	Gf := float64(G)
	var cf, cb, prev, loss float64
	for _, z := range s {
		fg := z&lovaszFG != 0
		if fg {
			cf++
		} else {
			cb++
		}
		j := lovaszJ(Gf, cf, cb)
		g := j - prev
		prev = j
		loss += (1 + float64(hingeValue(uint32(z>>32)))) * g
		if grad != nil {
			d := g // d(error)/dx = -sign
			if fg {
				d = -g
			}
			i := z & lovaszPos
			grad[i] += float32(scale * d)
		}
	}
	return loss
}

// orderTiny puts each run of equal hinge errors in position order.
func orderTiny(s []uint64) {
	err := func(z uint64) float64 { return 1 + float64(hingeValue(uint32(z>>32))) }
	for a := 0; a < len(s); {
		b := a + 1
		for b < len(s) && err(s[b]) == err(s[a]) {
			b++
		}
		if b-a > 1 && s[b-1]>>32 != s[a]>>32 {
			slices.SortFunc(s[a:b], func(x, y uint64) int { return cmp.Compare(x&lovaszPos, y&lovaszPos) })
		}
		a = b
	}
}

// lovaszBufs are the scratch buffers of a Lovász call: fresh ones for Loss
// and BinaryLoss, a Workspace's for LossWith and BinaryLossWith.
type lovaszBufs struct {
	p, dp, t64 []float64
	t32        []float32
	sc         lovaszScratch
	lab        []int32
	lab8       []uint8
	present    []bool
}

// Loss returns the Lovász-softmax loss of logits (N × C × S) against
// class-index labels and, when grad is not nil, adds weight × its gradient
// by the logits into grad. Labels outside [0, C) that are not ignored are
// an error. A batch (or image) with no class to count has loss 0, as in
// SMP. It allocates scratch of the logits' size (LossWith keeps it in a
// Workspace).
func (l *Lovasz) Loss(logits []float32, labels Labels, sh Shape, weight float64, grad []float32) (float64, error) {
	var b lovaszBufs
	return l.loss(&b, logits, labels, sh, weight, grad)
}

// LossWith is Loss with its scratch in ws (grown on the first call, reused
// after: no allocation once grown). A nil ws is ErrOption, a ws another
// call is using ErrBusy.
func (l *Lovasz) LossWith(ws *Workspace, logits []float32, labels Labels, sh Shape, weight float64, grad []float32) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return l.loss(&w.lovasz, logits, labels, sh, weight, grad)
}

func (l *Lovasz) loss(bf *lovaszBufs, logits []float32, labels Labels, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := l.check(logits, sh, weight, grad, sh.N*sh.S); err != nil {
		return 0, err
	}
	if err := rangeErr(weight, "the Lovász weight"); grad != nil && err != nil {
		// Each gradient element is at most |weight|: the value alone.
		v, _ := l.loss(bf, logits, labels, sh, 0, nil)
		return v, err
	}
	if labels.Len() != sh.N*sh.S {
		return 0, fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), sh.N*sh.S)
	}
	if err := checkLabels(labels, sh.C, l.Ignore); err != nil {
		return 0, err
	}
	N, C, S := sh.N, sh.C, sh.S
	NS := N * S
	// Probabilities in float64 (from float32 exps, softmax64): the errors
	// 1 - p of confident pixels keep their digits (float32 quotients would
	// leave a few), and the sort sees them. Class-major over the batch
	// (class c of pixel j = n·S + i at c·N·S + j), so that a group's pixels
	// of one class are one run of p that the sorted words index directly.
	bf.p = grow(bf.p, len(logits))
	bf.t32 = grow(bf.t32, 2*kernels.BlockSize)
	bf.t64 = grow(bf.t64, kernels.BlockSize)
	p, t32, t64 := bf.p, bf.t32, bf.t64
	for n := 0; n < N; n++ {
		softmax64(p[n*S:], NS, logits[n*C*S:(n+1)*C*S], C, S, t32, t64)
	}
	// dp accumulates dL/dp of each group's class mean (before 1/groups),
	// in p's layout.
	var dp []float64
	if grad != nil {
		bf.dp = grow(bf.dp, len(logits))
		dp = bf.dp
		clear(dp)
	}
	groups, per := 1, NS
	if l.PerImage {
		groups, per = N, S
	}
	sc := &bf.sc
	sc.w, sc.t = grow(sc.w, per), grow(sc.t, per)
	sc.rw, sc.rg = grow(sc.rw, per), grow(sc.rg, per)
	// Each pixel's label, a byte when C < 255 (255: ignored), else int32
	// (-1: ignored).
	bf.present = grow(bf.present, C)
	var total float64
	if C < 255 {
		bf.lab8 = grow(bf.lab8, NS)
		lovaszLabels(bf.lab8, labels, l.Ignore, 255)
		total = softmaxGroups(l, sc, bf.lab8, 255, bf.present, p, dp, groups, per)
	} else {
		bf.lab = grow(bf.lab, NS)
		lovaszLabels(bf.lab, labels, l.Ignore, -1)
		total = softmaxGroups(l, sc, bf.lab, -1, bf.present, p, dp, groups, per)
	}
	total /= float64(groups)
	if dp != nil {
		// The softmax Jacobian, p·(dp - Σ_c p·dp) (softmaxJacobian's, on
		// p's class-major layout), added into grad (N × C × S) as it is
		// made.
		scale := weight / float64(groups)
		for n := 0; n < N; n++ {
			gn := grad[n*C*S : (n+1)*C*S]
			for i := 0; i < S; i++ {
				j := n*S + i
				var s float64
				for c := 0; c < C; c++ {
					s += p[c*NS+j] * dp[c*NS+j]
				}
				for c := 0; c < C; c++ {
					v := p[c*NS+j] * (dp[c*NS+j] - s)
					gn[c*S+i] += float32(scale * v)
				}
			}
		}
	}
	return total, nil
}

// lovaszLabels writes each pixel's label into lab, none where it is the
// ignored one.
func lovaszLabels[L uint8 | int32](lab []L, labels Labels, ign IgnoreIndex, none L) {
	for j := range lab {
		v := labels.at(j)
		lab[j] = L(v)
		if ign.set && v == ign.label {
			lab[j] = none
		}
	}
}

// softmaxGroups returns the sum over the groups (per pixels each, of lab
// and of each class's run of p, class-major: class c of pixel j at
// c·len(lab) + j) of their mean over the classes counted of softmaxClass,
// adding each class's ∓g/counted into dp (nil: no gradient).
func softmaxGroups[L uint8 | int32](l *Lovasz, sc *lovaszScratch, lab []L, none L, present []bool, p, dp []float64, groups, per int) float64 {
	NS := len(lab)
	var total float64
	for gr := 0; gr < groups; gr++ {
		lg := lab[gr*per : (gr+1)*per]
		m := 0
		clear(present)
		for _, v := range lg {
			if v != none {
				m++
				present[v] = true
			}
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
		for c := range present {
			if !present[c] && !l.AllClasses {
				continue
			}
			o := c*NS + gr*per
			var dpc []float64
			if dp != nil {
				dpc = dp[o : o+per]
			}
			sum += softmaxClass(sc, p[o:o+per], lg, none, m, L(c), dpc, 1/float64(counted))
		}
		total += sum / float64(counted)
	}
	return total
}

// BinaryLoss returns the Lovász hinge loss of logits (N × C × S, each
// channel its own binary problem, as SMP's binary mode flattens them)
// against 0/1 targets, and when grad is not nil adds weight × its gradient
// into grad. Targets equal to the ignore value take no part; other targets
// must be 0 or 1. It allocates scratch of two words per element
// (BinaryLossWith keeps it in a Workspace).
func (l *Lovasz) BinaryLoss(logits, targets []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	var b lovaszBufs
	return l.binaryLoss(&b, logits, targets, sh, weight, grad)
}

// BinaryLossWith is BinaryLoss with its scratch in ws (no allocation once
// grown). A nil ws is ErrOption, a ws another call is using ErrBusy.
func (l *Lovasz) BinaryLossWith(ws *Workspace, logits, targets []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	w, err := ws.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release()
	return l.binaryLoss(&w.lovasz, logits, targets, sh, weight, grad)
}

func (l *Lovasz) binaryLoss(bf *lovaszBufs, logits, targets []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := l.check(logits, sh, weight, grad, sh.Len(), targets); err != nil {
		return 0, err
	}
	if l.Ignore.set && int(float32(l.Ignore.v)) != l.Ignore.v {
		return 0, fmt.Errorf("%w: ignore value %d is not a float32 target", ErrOption, l.Ignore.v)
	}
	if err := rangeErr(weight, "the Lovász weight"); grad != nil && err != nil {
		v, _ := l.binaryLoss(bf, logits, targets, sh, 0, nil)
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
	sc := &bf.sc
	sc.w, sc.t = grow(sc.w, per), grow(sc.t, per)
	var total float64
	scale := weight / float64(groups)
	for gr := 0; gr < groups; gr++ {
		var g []float32
		if grad != nil {
			g = grad[gr*per : (gr+1)*per]
		}
		v := sc.hinge(logits[gr*per:(gr+1)*per], targets[gr*per:(gr+1)*per], ign, g, scale)
		total += v
	}
	return total / float64(groups), nil
}

// softmax64 writes into p (plane c at p[c·ps:], S each) the softmax over
// the C planes of the logits x of one image: exp(x - max) in float32 by the active tier's Exp,
// block by block (x - max rounded to float32, the rounding put back to
// first order in float64; math.Exp below -80, where float32 underflows),
// then their sum and the quotients in float64, so
// that the errors 1 - p of confident pixels keep their digits (1 - p is
// the other classes' exps over the sum, each to the float32 exp's
// accuracy, a few 1e-7 relative; TestSoftmax64). t is scratch of 2·BlockSize float32 and s of BlockSize
// float64.
func softmax64(p []float64, ps int, x []float32, C, S int, t []float32, s []float64) {
	for lo := 0; lo < S; lo += kernels.BlockSize {
		w := min(kernels.BlockSize, S-lo)
		m, e, sum := t[:w], t[kernels.BlockSize:kernels.BlockSize+w], s[:w]
		copy(m, x[lo:lo+w])
		for c := 1; c < C; c++ {
			for i, v := range x[c*S+lo : c*S+lo+w] {
				m[i] = max(m[i], v)
			}
		}
		clear(sum)
		for c := 0; c < C; c++ {
			xc, pc := x[c*S+lo:c*S+lo+w], p[c*ps+lo:c*ps+lo+w]
			for i, v := range xc {
				e[i] = float32(float64(v) - float64(m[i]))
			}
			kernels.Exp(e, e)
			for i, v := range xc {
				// x - max is exact in float64 and rounded for the exp:
				// exp(d) = exp(float32(d))·(1 + r), r the rounding.
				// (An infinite d has no rounding: its r is NaN.) Below
				// -80 the float32 exp nears its underflow: math.Exp.
				d := float64(v) - float64(m[i])
				q := float64(e[i])
				if r := d - float64(float32(d)); r == r {
					q += q * r
				}
				if d < -80 {
					q = math.Exp(d)
				}
				pc[i] = q
				sum[i] += q
			}
		}
		for c := 0; c < C; c++ {
			pc := p[c*ps+lo : c*ps+lo+w]
			for i := range pc {
				pc[i] /= sum[i]
			}
		}
	}
}
